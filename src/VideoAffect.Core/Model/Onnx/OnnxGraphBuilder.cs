using VideoAffect.Engine.Onnx.Proto;
using VideoAffect.Kernels;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// Maps an ONNX graph onto our ops, node by node in the file's (topological) order. NCHW is
/// handled here, once: images live NHWC in our engine, so weights are transposed as they load,
/// reshapes that cross the image axes become <see cref="ChannelOrderLayer"/>s, and reshapes that
/// do not move values cost nothing. BatchNormalization, constant arithmetic and a ReLU are folded
/// into the convolution before them where nothing else reads its output. Any op or attribute
/// outside what the engine can run is refused by name, with its node and opset.
/// </summary>
sealed class OnnxGraphBuilder
{
    readonly List<Layer> _layers = new();
    readonly Dictionary<string, OnnxValue> _values = new();
    readonly Dictionary<string, OnnxConstant> _constants = new();
    readonly Dictionary<string, int> _readers = new();
    readonly HashSet<string> _graphOutputs;
    readonly int _opset;

    public OnnxGraphBuilder(GraphProto graph, int opset, string inputName, OnnxLayout inputLayout, TensorShape inputShape)
    {
        _opset = opset;
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var name in graph.Node.SelectMany(n => n.Input).Where(n => n.Length > 0))
            _readers[name] = _readers.GetValueOrDefault(name) + 1;
        foreach (var t in graph.Initializer) _constants[t.Name] = OnnxConstant.Read(t, "initializer");
        _layers.Add(new InputLayer(inputName, inputShape));
        _values[inputName] = new OnnxValue(0, inputLayout, inputShape, Owner: false);
    }

    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The run-time tensor called <paramref name="name"/>, for the graph's outputs.</summary>
    public OnnxValue? Value(string name) => _values.GetValueOrDefault(name);
    public bool IsConstant(string name) => _constants.ContainsKey(name);

    /// <summary>An output in ONNX's own memory order: a multi-channel image output is flattened channel by channel.</summary>
    public int OutputLayer(string name, OnnxValue value)
    {
        if (value.Layout != OnnxLayout.Nchw || value.Shape.Channels == 1 || value.Shape.Height * value.Shape.Width == 1) return value.Layer;
        return Add(new ChannelOrderLayer(name + "_nchw", value.Layer, value.Shape, toChannelsFirst: true), OnnxLayout.Flat).Layer;
    }

    public void Add(NodeProto proto)
    {
        var node = new OnnxNode(proto, _opset);
        if (proto.Domain is not ("" or "ai.onnx"))
            throw node.Error($"ops of domain '{proto.Domain}' are not supported (only the default ONNX domain)");
        switch (node.Op)
        {
            case "Constant": _constants[node.Output] = OnnxConstant.FromNode(node); break;
            case "Identity": Alias(node); break;
            case "Dropout":
                if (proto.Output.Count > 1 && proto.Output[1].Length > 0 && _readers.ContainsKey(proto.Output[1])) throw node.Error("its mask output is read, which inference has no use for");
                Alias(node);
                break;
            case "Conv": Conv(node); break;
            case "BatchNormalization": BatchNormalization(node); break;
            case "Add" or "Sub" or "Mul" or "Div": Arithmetic(node); break;
            case "Relu": Relu(node); break;
            case "LeakyRelu": Activate(node, new Activation(ActivationKind.LeakyRelu, alpha: node.Float("alpha", 0.01f))); break;
            case "Sigmoid": Activate(node, new Activation(ActivationKind.Sigmoid)); break;
            case "Tanh": Activate(node, new Activation(ActivationKind.Tanh)); break;
            case "Clip": Clip(node); break;
            case "HardSigmoid": Activate(node, Activation.HardSigmoidOf(node.Float("alpha", 0.2f), node.Float("beta", 0.5f))); break;
            case "HardSwish": Activate(node, new Activation(ActivationKind.HardSwish)); break;
            case "Elu": Activate(node, new Activation(ActivationKind.Elu, alpha: node.Float("alpha", 1f))); break;
            case "PRelu":
            {
                var x = Runtime(node, 0);
                Set(node, Add(new PReluLayer(node.Name, x.Layer, x.Shape, PerChannel(node, Constant(node, 1, "slope"), x)), x.Layout, x.Shape));
                break;
            }
            case "Sum": Sum(node); break;
            case "GlobalMaxPool":
            {
                var x = Image(node, 0);
                var whole = new WindowGeometry(x.Shape.Height, x.Shape.Width, x.Shape.Channels, x.Shape.Channels, x.Shape.Height, x.Shape.Width, 1, 1, Padding.Valid);
                Set(node, Add(new MaxPoolLayer(node.Name, x.Layer, whole), OnnxLayout.Nchw));
                break;
            }
            case "ReduceMean" or "ReduceMax": Reduce(node); break;
            case "Squeeze" or "Unsqueeze" when _values.ContainsKey(node.Input(0) ?? ""): SqueezeComputed(node); break;
            case "Cast" when _values.ContainsKey(node.Input(0) ?? ""):
                if (node.Int("to", 1) != (int)Engine.Onnx.Proto.TensorProto.Types.DataType.Float) throw node.Error("casting a computed tensor to anything but float32 is not supported");
                Alias(node);
                break;
            case "MaxPool" or "AveragePool": Pool(node); break;
            case "GlobalAveragePool":
            {
                var x = Image(node, 0);
                Set(node, Add(new GlobalAveragePoolLayer(node.Name, x.Layer, x.Shape), OnnxLayout.Nchw, new TensorShape(1, 1, x.Shape.Channels)));
                break;
            }
            case "Flatten": Flatten(node); break;
            case "Reshape" when IsConstant(node.Input(0) ?? ""): _constants[node.Output] = ReshapedConstant(node); break;
            case "Reshape": Reshape(node); break;
            case "Shape": _constants[node.Output] = ShapeOf(node); break;
            case "Gather" or "Unsqueeze" or "Squeeze" or "Cast": _constants[node.Output] = ShapeArithmetic(node); break;
            case "Transpose": Transpose(node); break;
            case "Concat": Concat(node); break;
            case "Pad": Pad(node); break;
            case "Softmax": Softmax(node); break;
            case "Gemm": Gemm(node); break;
            case "MatMul": MatMul(node); break;
            default: throw node.Error("is not supported by VideoAffect's engine");
        }
    }

    // ---- tensors ------------------------------------------------------------------------------

    OnnxValue Runtime(OnnxNode node, int k)
    {
        string name = node.Input(k) ?? throw node.Error($"input {k} is missing");
        if (_values.TryGetValue(name, out var value)) return value;
        if (_constants.ContainsKey(name)) throw node.Error($"input '{name}' is a constant where the engine needs a computed tensor");
        throw node.Error($"input '{name}' is neither an initializer nor the output of an earlier node");
    }

    OnnxConstant Constant(OnnxNode node, int k, string what)
    {
        string name = node.Input(k) ?? throw node.Error($"its {what} (input {k}) is missing");
        if (_constants.TryGetValue(name, out var c)) return c;
        if (_values.ContainsKey(name)) throw node.Error($"its {what} '{name}' is computed at run time; the engine needs it as an initializer or constant");
        throw node.Error($"its {what} '{name}' is missing: no initializer, constant or earlier node has that name");
    }

    OnnxConstant? OptionalConstant(OnnxNode node, int k, string what) => node.Input(k) is null ? null : Constant(node, k, what);

    OnnxValue Image(OnnxNode node, int k)
    {
        var x = Runtime(node, k);
        if (x.Layout != OnnxLayout.Nchw) throw node.Error($"needs an N x C x H x W image, got {x}");
        return x;
    }

    OnnxValue Add(Layer layer, OnnxLayout layout, TensorShape? shape = null)
    {
        _layers.Add(layer);
        return new OnnxValue(_layers.Count - 1, layout, shape ?? layer.OutputShape, Owner: true);
    }

    void Set(OnnxNode node, OnnxValue value) => _values[node.Output] = value;

    void Alias(OnnxNode node)
    {
        string name = node.Input(0) ?? throw node.Error("input 0 is missing");
        if (_constants.TryGetValue(name, out var c)) _constants[node.Output] = c;
        else Set(node, Runtime(node, 0) with { Owner = false });
    }

    /// <summary>Whether the layer behind <paramref name="k"/>'s input may be rewritten: only this node reads it, and it is no graph output.</summary>
    bool Foldable(OnnxNode node, int k, OnnxValue x) =>
        x.Owner && node.Input(k) is { } name && _readers.GetValueOrDefault(name) == 1 && !_graphOutputs.Contains(name);

    // ---- convolution and normalisation --------------------------------------------------------

    void Conv(OnnxNode node)
    {
        var x = Image(node, 0);
        var w = Constant(node, 1, "weights");
        var b = OptionalConstant(node, 2, "bias");
        if (w.Dims.Length != 4) throw node.Error($"only 2-D convolutions are supported (weights [{string.Join(",", w.Dims)}])");
        int outChannels = (int)w.Dims[0], groupIn = (int)w.Dims[1], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
        int group = (int)node.Int("group", 1), c = x.Shape.Channels;
        if (group < 1 || groupIn * group != c || outChannels % group != 0)
            throw node.Error($"weights [{string.Join(",", w.Dims)}] with group {group} do not fit {c} input channels");
        var g = Window(node, x.Shape, outChannels, kh, kw);
        var bias = b is null ? new float[outChannels] : Expand(node, b, outChannels, "bias");
        var oihw = w.Floats();
        Layer layer;
        if (group == c && outChannels == c && groupIn == 1)
        {
            var weights = new float[kh * kw * c];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < kh; y++)
                    for (int xx = 0; xx < kw; xx++)
                        weights[(y * kw + xx) * c + ch] = oihw[(ch * kh + y) * kw + xx];
            layer = new DepthwiseConv2DLayer(node.Name, x.Layer, g, weights, bias, relu: false);
        }
        else
        {
            // Groups other than depthwise become one convolution with zero weights across groups:
            // exact, and rare enough in classifiers that the wasted multiplies do not matter.
            var weights = new float[kh * kw * c * outChannels];
            int groupOut = outChannels / group;
            for (int o = 0; o < outChannels; o++)
                for (int i = 0; i < groupIn; i++)
                    for (int y = 0; y < kh; y++)
                        for (int xx = 0; xx < kw; xx++)
                            weights[((y * kw + xx) * c + o / groupOut * groupIn + i) * outChannels + o] = oihw[((o * groupIn + i) * kh + y) * kw + xx];
            layer = new Conv2DLayer(node.Name, x.Layer, g, weights, bias, relu: false);
        }
        Set(node, Add(layer, OnnxLayout.Nchw));
    }

    /// <summary>A window's geometry from kernel_shape, strides, pads or auto_pad, dilations and ceil_mode.</summary>
    WindowGeometry Window(OnnxNode node, TensorShape input, int outChannels, int kh, int kw)
    {
        if (node.Ints("kernel_shape") is { } k && (k.Length != 2 || k[0] != kh || k[1] != kw))
            throw node.Error($"kernel_shape [{string.Join(",", k)}] is not a 2-D window of {kh}x{kw}");
        if (node.Ints("dilations") is { } d && d.Any(v => v != 1)) throw node.Error($"dilations [{string.Join(",", d)}] are not supported (only 1)");
        var strides = node.Ints("strides") ?? [1, 1];
        if (strides.Length != 2) throw node.Error($"strides [{string.Join(",", strides)}] are not 2-D");
        bool ceil = node.Int("ceil_mode", 0) != 0;
        string autoPad = node.String("auto_pad", "NOTSET");
        try
        {
            switch (autoPad)
            {
                case "VALID": return WindowGeometry.Explicit(input.Height, input.Width, input.Channels, outChannels, kh, kw, (int)strides[0], (int)strides[1], 0, 0, 0, 0, ceil);
                case "SAME_UPPER" or "SAME_LOWER":
                {
                    var (top, bottom) = Same(input.Height, kh, (int)strides[0], autoPad == "SAME_LOWER");
                    var (left, right) = Same(input.Width, kw, (int)strides[1], autoPad == "SAME_LOWER");
                    return WindowGeometry.Explicit(input.Height, input.Width, input.Channels, outChannels, kh, kw, (int)strides[0], (int)strides[1], top, left, bottom, right, ceil);
                }
                case "NOTSET":
                {
                    var pads = node.Ints("pads") ?? [0, 0, 0, 0];
                    if (pads.Length != 4) throw node.Error($"pads [{string.Join(",", pads)}] are not 2-D");
                    return WindowGeometry.Explicit(input.Height, input.Width, input.Channels, outChannels, kh, kw, (int)strides[0], (int)strides[1],
                        (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], ceil);
                }
                default: throw node.Error($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
            }
        }
        catch (ArgumentException e)
        {
            throw node.Error(e.Message);
        }
    }

    static (int Before, int After) Same(int input, int kernel, int stride, bool lower)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - input, 0);
        return lower ? ((total + 1) / 2, total / 2) : (total / 2, (total + 1) / 2);
    }

    void BatchNormalization(OnnxNode node)
    {
        if (node.Int("training_mode", 0) != 0) throw node.Error("training_mode 1 is not supported at inference");
        var x = Runtime(node, 0);
        int c = Channels(node, x);
        var gamma = Expand(node, Constant(node, 1, "scale"), c, "scale");
        var beta = Expand(node, Constant(node, 2, "bias"), c, "bias");
        var mean = Expand(node, Constant(node, 3, "mean"), c, "mean");
        var variance = Expand(node, Constant(node, 4, "variance"), c, "variance");
        double epsilon = node.Float("epsilon", 1e-5f);
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            double s = gamma[i] / Math.Sqrt(variance[i] + epsilon);
            scale[i] = (float)s;
            shift[i] = (float)(beta[i] - mean[i] * s);
        }
        Affine(node, x, scale, shift);
    }

    int Channels(OnnxNode node, OnnxValue x) => x.Layout == OnnxLayout.Flat
        ? (x.Shape.Rank == 1 ? x.Shape.Size : throw node.Error($"needs channels on axis 1, got {x}"))
        : x.Shape.Channels;

    /// <summary><c>x * scale + shift</c> per channel: folded into the convolution or dense layer that made x where only this node reads it.</summary>
    void Affine(OnnxNode node, OnnxValue x, float[] scale, float[] shift)
    {
        if (Foldable(node, 0, x) && FoldAffine(_layers[x.Layer], scale, shift) is { } folded)
        {
            _layers[x.Layer] = folded;
            Set(node, x);
            return;
        }
        Set(node, Add(new ScaleShiftLayer(node.Name, x.Layer, x.Shape, scale, shift), x.Layout, x.Shape));
    }

    static Layer? FoldAffine(Layer layer, float[] scale, float[] shift)
    {
        switch (layer)
        {
            case Conv2DLayer { Relu: false, Residual: null } conv when conv.Geometry.OutChannels == scale.Length:
            {
                int co = scale.Length;
                var w = conv.Weights.Select((v, i) => v * scale[i % co]).ToArray();
                var b = conv.Bias.Select((v, o) => v * scale[o] + shift[o]).ToArray();
                return conv is DenseLayer d
                    ? new DenseLayer(d.Name, d.Inputs[0], d.Geometry.InChannels, d.Units, w, b, relu: false)
                    : new Conv2DLayer(conv.Name, conv.Inputs[0], conv.Geometry, w, b, relu: false);
            }
            case DepthwiseConv2DLayer { Relu: false } dw when dw.Geometry.OutChannels == scale.Length:
            {
                int c = scale.Length;
                return new DepthwiseConv2DLayer(dw.Name, dw.Inputs[0], dw.Geometry, dw.Weights.Select((v, i) => v * scale[i % c]).ToArray(),
                    dw.Bias.Select((v, i) => v * scale[i] + shift[i]).ToArray(), relu: false);
            }
            default: return null;
        }
    }

    // ---- element-wise ---------------------------------------------------------------------------

    void Arithmetic(OnnxNode node)
    {
        string a = node.Input(0) ?? throw node.Error("input 0 is missing"), b = node.Input(1) ?? throw node.Error("input 1 is missing");
        var op = Enum.Parse<BinaryOp>(node.Op);
        if (_constants.TryGetValue(a, out var ca) && _constants.TryGetValue(b, out var cb))
        {
            _constants[node.Output] = FoldConstants(node, op, ca, cb);
            return;
        }
        if (_values.ContainsKey(a) && _values.ContainsKey(b))
        {
            Binary(node, op);
            return;
        }
        bool constantFirst = _constants.ContainsKey(a);
        var x = Runtime(node, constantFirst ? 1 : 0);
        int channels = x.Layout == OnnxLayout.Flat ? x.Shape.Size : x.Shape.Channels;
        var k = PerChannel(node, Constant(node, constantFirst ? 0 : 1, "constant operand"), x);
        var ones = Enumerable.Repeat(1f, channels).ToArray();
        var zeros = new float[channels];
        var (scale, shift) = (op, constantFirst) switch
        {
            (BinaryOp.Add, _) => (ones, k),
            (BinaryOp.Sub, false) => (ones, k.Select(v => -v).ToArray()),
            (BinaryOp.Sub, true) => (ones.Select(v => -v).ToArray(), k),
            (BinaryOp.Mul, _) => (k, zeros),
            (BinaryOp.Div, false) => (k.Select(v => 1f / v).ToArray(), zeros),
            _ => throw node.Error("a constant divided by a computed tensor is not supported"),
        };
        Affine(node, x, scale, shift);
    }

    /// <summary>A constant operand as one value per channel of x (per value for a flat x), if numpy broadcasting makes it one.</summary>
    float[] PerChannel(OnnxNode node, OnnxConstant k, OnnxValue x)
    {
        long[] full = [1, .. x.Dims];
        if (k.Dims.Length > full.Length) throw node.Error($"constant of shape [{string.Join(",", k.Dims)}] does not broadcast over {x}");
        var aligned = Enumerable.Repeat(1L, full.Length - k.Dims.Length).Concat(k.Dims).ToArray();
        for (int axis = 0; axis < full.Length; axis++)
        {
            bool allowed = aligned[axis] == 1 || (aligned[axis] == full[axis] && (x.Layout == OnnxLayout.Flat ? axis > 0 : axis == x.ChannelAxis));
            if (!allowed) throw node.Error($"a constant of shape [{string.Join(",", k.Dims)}] over {x} varies along an axis other than the channels, which is not supported");
        }
        var values = k.Floats();
        if (x.Layout != OnnxLayout.Flat)
        {
            int c = x.Shape.Channels;
            return aligned[x.ChannelAxis] == 1 ? Enumerable.Repeat(values[0], c).ToArray() : values;
        }
        // Flat: every value its own channel; broadcast the constant over the item's dims.
        var dims = x.Dims;
        var result = new float[x.Shape.Size];
        for (int i = 0; i < result.Length; i++)
        {
            int rest = i, index = 0, stride = 1;
            for (int axis = dims.Length - 1; axis >= 0; axis--)
            {
                int position = (int)(rest % dims[axis]);
                rest /= (int)dims[axis];
                long kd = aligned[axis + 1];
                index += (kd == 1 ? 0 : position) * stride;
                stride *= (int)kd;
            }
            result[i] = values[index];
        }
        return result;
    }

    OnnxConstant FoldConstants(OnnxNode node, BinaryOp op, OnnxConstant a, OnnxConstant b)
    {
        if (!(a.IsScalar || b.IsScalar || a.Dims.SequenceEqual(b.Dims)))
            throw node.Error("arithmetic between constants of different shapes is not supported");
        var dims = a.IsScalar ? b.Dims : a.Dims;
        int n = Math.Max(a.Values.Length, b.Values.Length);
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = a.Values[a.IsScalar ? 0 : i], y = b.Values[b.IsScalar ? 0 : i];
            values[i] = op switch { BinaryOp.Add => x + y, BinaryOp.Sub => x - y, BinaryOp.Mul => x * y, _ => x / y };
        }
        return new OnnxConstant(dims, values);
    }

    void Binary(OnnxNode node, BinaryOp op)
    {
        var (a, b) = (Runtime(node, 0), Runtime(node, 1));
        bool sameFamily = a.Layout == b.Layout || a.Shape.Size == 1 || b.Shape.Size == 1;
        if (!sameFamily) throw node.Error($"operands {a} and {b} are laid out differently");
        if (op == BinaryOp.Add && a.Dims.SequenceEqual(b.Dims))
        {
            Set(node, Add(new AddLayer(node.Name, a.Layer, b.Layer, a.Shape, relu: false), a.Layout, a.Shape));
            return;
        }
        var big = a.Shape.Size >= b.Shape.Size ? a : b;
        var small = big == a ? b : a;
        bool broadcasts = small.Dims.SequenceEqual(big.Dims) || small.Shape.Size == 1
            || (big.Layout == OnnxLayout.Nchw && small.Dims.SequenceEqual(new long[] { big.Shape.Channels, 1, 1 }))
            || (big.Layout == OnnxLayout.Nhwc && small.Dims.SequenceEqual(new long[] { 1, 1, big.Shape.Channels }));
        if (!broadcasts) throw node.Error($"broadcasting {a} against {b} is not supported (equal shapes, one value per channel or one per item)");
        try
        {
            Set(node, Add(new BinaryLayer(node.Name, op, a.Layer, a.Shape, b.Layer, b.Shape), big.Layout, big.Shape));
        }
        catch (ModelFormatException e)
        {
            throw node.Error(e.Message);
        }
    }

    void Relu(OnnxNode node)
    {
        var x = Runtime(node, 0);
        if (Foldable(node, 0, x))
        {
            Layer? fused = _layers[x.Layer] switch
            {
                DenseLayer { Relu: false } d => new DenseLayer(d.Name, d.Inputs[0], d.Geometry.InChannels, d.Units, d.Weights, d.Bias, relu: true),
                Conv2DLayer { Relu: false } c => new Conv2DLayer(c.Name, c.Inputs[0], c.Geometry, c.Weights, c.Bias, relu: true, c.Residual),
                DepthwiseConv2DLayer { Relu: false } dw => new DepthwiseConv2DLayer(dw.Name, dw.Inputs[0], dw.Geometry, dw.Weights, dw.Bias, relu: true),
                AddLayer { Relu: false } add => new AddLayer(add.Name, add.Inputs[0], add.Inputs[1], add.OutputShape, relu: true),
                _ => null,
            };
            if (fused is not null)
            {
                _layers[x.Layer] = fused;
                Set(node, x);
                return;
            }
        }
        Set(node, Add(new ReluLayer(node.Name, x.Layer, x.Shape), x.Layout, x.Shape));
    }

    void Activate(OnnxNode node, Activation activation)
    {
        var x = Runtime(node, 0);
        Set(node, Add(new ActivationLayer(node.Name, x.Layer, x.Shape, activation), x.Layout, x.Shape));
    }

    /// <summary>Bounds are attributes before opset 11 and optional constant inputs from it on.</summary>
    void Clip(OnnxNode node)
    {
        float min, max;
        if (_opset < 11)
            (min, max) = (node.Float("min", float.MinValue), node.Float("max", float.MaxValue));
        else
        {
            min = OptionalConstant(node, 1, "min") is { } lo ? Scalar(node, lo, "min") : float.NegativeInfinity;
            max = OptionalConstant(node, 2, "max") is { } hi ? Scalar(node, hi, "max") : float.PositiveInfinity;
        }
        Activate(node, new Activation(ActivationKind.Clip, min: min, max: max));
    }

    static float Scalar(OnnxNode node, OnnxConstant c, string what) =>
        c.IsScalar ? (float)c.Values[0] : throw node.Error($"its {what} has {c.Values.Length} values, not one");

    /// <summary>ONNX's variadic sum of equally shaped tensors, as a chain of additions.</summary>
    void Sum(OnnxNode node)
    {
        var parts = Enumerable.Range(0, node.Proto.Input.Count).Select(k => Runtime(node, k)).ToArray();
        if (parts.Any(p => !p.Dims.SequenceEqual(parts[0].Dims) || p.Layout != parts[0].Layout))
            throw node.Error($"summing {string.Join(", ", parts.Select(p => p.ToString()))} is not supported (only equal shapes)");
        var total = parts[0] with { Owner = false };
        for (int k = 1; k < parts.Length; k++)
            total = Add(new AddLayer(k == parts.Length - 1 ? node.Name : $"{node.Name}_{k}", total.Layer, parts[k].Layer, total.Shape, relu: false), total.Layout, total.Shape);
        Set(node, total);
    }

    // ---- pooling ----------------------------------------------------------------------------------

    void Pool(OnnxNode node)
    {
        var x = Image(node, 0);
        if (node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0) throw node.Error("its Indices output is not supported");
        if (node.Int("storage_order", 0) != 0) throw node.Error("storage_order 1 is not supported");
        var k = node.Ints("kernel_shape") ?? throw node.Error("kernel_shape is missing");
        if (k.Length != 2) throw node.Error($"only 2-D pooling is supported (kernel_shape [{string.Join(",", k)}])");
        var g = Window(node, x.Shape, x.Shape.Channels, (int)k[0], (int)k[1]);
        Layer layer;
        if (node.Op == "MaxPool") layer = new MaxPoolLayer(node.Name, x.Layer, g);
        else
        {
            var pads = node.String("auto_pad", "NOTSET") == "NOTSET" ? node.Ints("pads") ?? [0, 0, 0, 0] : [0, 0, g.PadBottom, g.PadRight];
            layer = new AveragePoolLayer(node.Name, x.Layer, g, new AveragePoolDivisor(node.Int("count_include_pad", 0) != 0, (int)pads[2], (int)pads[3]));
        }
        Set(node, Add(layer, OnnxLayout.Nchw));
    }

    /// <summary>A mean or max over the image axes (tf2onnx writes global pooling so), kept as 1 x 1 or dropped.</summary>
    void Reduce(OnnxNode node)
    {
        var x = Runtime(node, 0);
        var axes = (_opset < 18 ? node.Ints("axes") : OptionalConstant(node, 1, "axes")?.Longs())
            ?? throw node.Error("reducing every axis is not supported (only the image axes)");
        var set = axes.Select(a => a < 0 ? a + x.Rank : a).Order().ToArray();
        long[] spatial = x.Layout == OnnxLayout.Nchw ? [2, 3] : x.Layout == OnnxLayout.Nhwc ? [1, 2] : [];
        if (!set.SequenceEqual(spatial)) throw node.Error($"reducing axes [{string.Join(",", axes)}] of {x} is not supported (only height and width)");
        Layer layer = node.Op == "ReduceMean"
            ? new GlobalAveragePoolLayer(node.Name, x.Layer, x.Shape)
            : new MaxPoolLayer(node.Name, x.Layer, new WindowGeometry(x.Shape.Height, x.Shape.Width, x.Shape.Channels, x.Shape.Channels, x.Shape.Height, x.Shape.Width, 1, 1, Padding.Valid));
        var pooled = Add(layer, x.Layout);
        Set(node, node.Int("keepdims", 1) != 0 ? pooled : pooled.As(OnnxLayout.Flat, new TensorShape(x.Shape.Channels)));
    }

    /// <summary>Squeeze or Unsqueeze of a computed tensor: the same values under new per-item dims (the batch axis stays).</summary>
    void SqueezeComputed(OnnxNode node)
    {
        var x = Runtime(node, 0);
        var axes = (_opset < 13 ? node.Ints("axes") : OptionalConstant(node, 1, "axes")?.Longs()) ?? [];
        var dims = new List<long> { 1 };
        dims.AddRange(x.Dims);
        if (node.Op == "Squeeze")
        {
            var drop = (axes.Length == 0 ? Enumerable.Range(1, dims.Count - 1).Where(i => dims[i] == 1).Select(i => (long)i) : axes.Select(a => a < 0 ? a + dims.Count : a)).ToHashSet();
            if (drop.Contains(0) || drop.Any(a => a >= dims.Count || dims[(int)a] != 1)) throw node.Error($"squeezing axes [{string.Join(",", axes)}] of {x} is not supported");
            dims = dims.Where((_, i) => !drop.Contains(i)).ToList();
        }
        else
        {
            int rank = dims.Count + axes.Length;
            var at = axes.Select(a => (int)(a < 0 ? a + rank : a)).Order().ToArray();
            if (at.Any(a => a == 0)) throw node.Error("a new axis before the batch axis is not supported");
            foreach (var a in at) dims.Insert(a, 1);
        }
        if (dims.Count < 2) throw node.Error($"the result of {node.Op} on {x} drops the batch axis");
        Set(node, Reshaped(node, x, dims.Skip(1).ToArray()));
    }

    // ---- shapes -----------------------------------------------------------------------------------

    /// <summary>x's values in ONNX's order as one flat row per item: free unless an NCHW image has several channels and pixels.</summary>
    OnnxValue Flat(OnnxNode node, OnnxValue x)
    {
        var flat = new TensorShape(x.Shape.Size);
        if (x.Layout == OnnxLayout.Nchw && x.Shape.Channels > 1 && x.Shape.Height * x.Shape.Width > 1)
            return Add(new ChannelOrderLayer(node.Name + "_chw", x.Layer, x.Shape, toChannelsFirst: true), OnnxLayout.Flat);
        return x.As(OnnxLayout.Flat, flat);
    }

    void Flatten(OnnxNode node)
    {
        var x = Runtime(node, 0);
        long axis = node.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis != 1) throw node.Error($"axis {node.Int("axis", 1)} is not supported (only 1: one row per batch item)");
        Set(node, Flat(node, x));
    }

    void Reshape(OnnxNode node)
    {
        var x = Runtime(node, 0);
        var target = Constant(node, 1, "shape").Longs();
        bool allowZero = node.Int("allowzero", 0) != 0;
        if (target.Length < 2) throw node.Error($"shape [{string.Join(",", target)}] drops the batch axis");
        if (target[0] is not (-1 or 0 or 1)) throw node.Error($"shape [{string.Join(",", target)}] changes the batch axis (the first must be -1, 0 or 1)");
        long[] inputDims = [1, .. x.Dims];
        var dims = target.Skip(1).Select((d, i) => d == 0 && !allowZero ? (i + 1 < inputDims.Length ? inputDims[i + 1] : throw node.Error("a 0 in shape has no input axis to copy")) : d).ToArray();
        int unknown = dims.Count(d => d == -1);
        long known = dims.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        if (unknown > 1 || dims.Any(d => d < -1) || known <= 0 || (unknown == 0 ? known != x.Shape.Size : x.Shape.Size % known != 0))
            throw node.Error($"cannot reshape {x} ({x.Shape.Size} values per item) to [{string.Join(",", target)}]");
        dims = dims.Select(d => d == -1 ? x.Shape.Size / known : d).ToArray();
        Set(node, Reshaped(node, x, dims));
    }

    // ---- constants folded at load ---------------------------------------------------------------
    // Exporters compute shapes in the graph (PyTorch's x.view(x.size(0), -1) is Shape, Gather,
    // Unsqueeze, Concat, Reshape) and reshape their own parameters (CNTK's FER+). Both are folded
    // here. The batch extent is unknown until run time: Shape gives it as 0, which a Reshape reads
    // as "keep this axis", the only use such a shape has in a classifier.

    OnnxConstant ReshapedConstant(OnnxNode node)
    {
        var c = Constant(node, 0, "data");
        var target = Constant(node, 1, "shape").Longs();
        var dims = target.Select((d, i) => d == 0 && node.Int("allowzero", 0) == 0 ? (i < c.Dims.Length ? c.Dims[i] : throw node.Error("a 0 in shape has no axis to copy")) : d).ToArray();
        long known = dims.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        if (dims.Count(d => d == -1) > 1 || known == 0 || c.Count % known != 0) throw node.Error($"cannot reshape a constant of [{string.Join(",", c.Dims)}] to [{string.Join(",", target)}]");
        return c with { Dims = dims.Select(d => d == -1 ? c.Count / known : d).ToArray() };
    }

    OnnxConstant ShapeOf(OnnxNode node)
    {
        string name = node.Input(0) ?? throw node.Error("input 0 is missing");
        if (_constants.TryGetValue(name, out var c)) return new OnnxConstant([c.Dims.Length], c.Dims.Select(d => (double)d).ToArray());
        var x = Runtime(node, 0);
        if (node.Has("start") || node.Has("end")) throw node.Error("start and end are not supported");
        long[] dims = [0, .. x.Dims];
        return new OnnxConstant([dims.Length], dims.Select(d => (double)d).ToArray());
    }

    /// <summary>Gather, Unsqueeze, Squeeze and Cast, on constants only (shape arithmetic).</summary>
    OnnxConstant ShapeArithmetic(OnnxNode node)
    {
        string name = node.Input(0) ?? throw node.Error("input 0 is missing");
        if (!_constants.TryGetValue(name, out var c)) throw node.Error("is supported on constants only (shape arithmetic), not on a computed tensor");
        switch (node.Op)
        {
            case "Cast": return c;
            case "Gather":
            {
                if (node.Int("axis", 0) != 0 || c.Dims.Length != 1) throw node.Error("only gathering from a 1-D constant is supported");
                var indices = Constant(node, 1, "indices");
                var picked = indices.Longs().Select(i => c.Values[(int)(i < 0 ? i + c.Values.Length : i)]).ToArray();
                return new OnnxConstant(indices.Dims, picked);
            }
            default:
            {
                var axes = (_opset < 13 ? node.Ints("axes") : OptionalConstant(node, 1, "axes")?.Longs()) ?? [];
                var dims = c.Dims.ToList();
                if (node.Op == "Squeeze")
                {
                    var drop = axes.Length == 0 ? Enumerable.Range(0, dims.Count).Where(i => dims[i] == 1).ToArray() : axes.Select(a => (int)(a < 0 ? a + dims.Count : a)).ToArray();
                    return c with { Dims = dims.Where((_, i) => !drop.Contains(i)).ToArray() };
                }
                int rank = dims.Count + axes.Length;
                foreach (var a in axes.Select(a => (int)(a < 0 ? a + rank : a)).Order()) dims.Insert(a, 1);
                return c with { Dims = dims.ToArray() };
            }
        }
    }

    /// <summary>x as per-item <paramref name="dims"/> in ONNX's order: four axes with the batch make an NCHW image, anything else is flat.</summary>
    OnnxValue Reshaped(OnnxNode node, OnnxValue x, long[] dims)
    {
        if (dims.SequenceEqual(x.Dims)) return x with { Owner = false };
        var flat = Flat(node, x);
        if (dims.Length != 3) return flat.As(OnnxLayout.Flat, new TensorShape(dims.Select(d => (int)d).ToArray()));
        var image = new TensorShape((int)dims[1], (int)dims[2], (int)dims[0]);
        if (image.Channels == 1 || image.Height * image.Width == 1) return flat.As(OnnxLayout.Nchw, image);
        return Add(new ChannelOrderLayer(node.Name, flat.Layer, image, toChannelsFirst: false), OnnxLayout.Nchw);
    }

    /// <summary>Only the transposes our NHWC storage gets for free: NCHW to NHWC and back, and the identity.</summary>
    void Transpose(OnnxNode node)
    {
        var x = Runtime(node, 0);
        var perm = node.Ints("perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.SequenceEqual(Enumerable.Range(0, x.Rank).Select(i => (long)i))) { Set(node, x with { Owner = false }); return; }
        if (x.Layout == OnnxLayout.Nchw && perm.SequenceEqual(new long[] { 0, 2, 3, 1 })) { Set(node, x.As(OnnxLayout.Nhwc, x.Shape)); return; }
        if (x.Layout == OnnxLayout.Nhwc && perm.SequenceEqual(new long[] { 0, 3, 1, 2 })) { Set(node, x.As(OnnxLayout.Nchw, x.Shape)); return; }
        throw node.Error($"perm [{string.Join(",", perm)}] on {x} is not supported (only NCHW to NHWC and back)");
    }

    void Concat(OnnxNode node)
    {
        var names = node.Proto.Input.Where(n => n.Length > 0).ToArray();
        if (names.All(_constants.ContainsKey))
        {
            long axis0 = node.Int("axis", 0);
            var parts = names.Select(n => _constants[n]).ToArray();
            if (parts.Any(p => p.Dims.Length != 1) || axis0 is not (0 or -1)) throw node.Error("only 1-D constants are concatenated at load");
            _constants[node.Output] = new OnnxConstant([parts.Sum(p => p.Values.Length)], parts.SelectMany(p => p.Values).ToArray());
            return;
        }
        var inputs = Enumerable.Range(0, node.Proto.Input.Count).Select(k => Runtime(node, k)).ToArray();
        var first = inputs[0];
        long axis = node.Int("axis", 1);
        if (axis < 0) axis += first.Rank;
        if (inputs.Any(v => v.Layout != first.Layout) || axis != first.ChannelAxis || (first.Layout == OnnxLayout.Flat && first.Shape.Rank != 1))
            throw node.Error($"concatenating {string.Join(", ", inputs.Select(v => v.ToString()))} on axis {node.Int("axis", 1)} is not supported (only along the channels)");
        try
        {
            Set(node, Add(new ConcatLayer(node.Name, inputs.Select(v => v.Layer).ToArray(), inputs.Select(v => v.Shape).ToArray()), first.Layout));
        }
        catch (ModelFormatException e)
        {
            throw node.Error(e.Message);
        }
    }

    /// <summary>Constant zeros around an image; pads are an attribute before opset 11 and an input from it on.</summary>
    void Pad(OnnxNode node)
    {
        var x = Runtime(node, 0);
        if (x.Layout == OnnxLayout.Flat) throw node.Error($"padding {x} is not supported (images only)");
        string mode = node.String("mode", "constant");
        if (mode != "constant") throw node.Error($"mode '{mode}' is not supported (only constant)");
        long[] pads;
        float value;
        if (_opset < 11)
            (pads, value) = (node.Ints("pads") ?? throw node.Error("pads are missing"), node.Float("value", 0f));
        else
        {
            pads = Constant(node, 1, "pads").Longs();
            value = OptionalConstant(node, 2, "constant value") is { } v ? Scalar(node, v, "constant value") : 0f;
            if (node.Input(3) is not null) throw node.Error("the axes input is not supported");
        }
        if (value != 0f) throw node.Error($"padding with {value} is not supported (only zeros)");
        if (pads.Length != 8) throw node.Error($"pads [{string.Join(",", pads)}] are not for a 4-D tensor");
        if (pads[0] != 0 || pads[4] != 0) throw node.Error("padding the batch axis is not supported");
        // ONNX names begins then ends, in the tensor's own axis order.
        int axis(int a) => x.Layout == OnnxLayout.Nchw ? a : a switch { 1 => 3, 2 => 1, _ => 2 }; // our C, H, W axes in ONNX's order
        (int, int) side(int onnxAxisForOurs) => ((int)pads[onnxAxisForOurs], (int)pads[onnxAxisForOurs + 4]);
        try
        {
            var geometry = PadLayer.Around(x.Shape, side(axis(2)), side(axis(3)), side(axis(1)));
            Set(node, Add(new PadLayer(node.Name, x.Layer, geometry), x.Layout));
        }
        catch (ModelFormatException e)
        {
            throw node.Error(e.Message);
        }
    }

    /// <summary>
    /// Our softmax runs over a whole item. Before opset 13 ONNX's does too (from axis 1 on); from
    /// 13 it runs over one axis, which is the whole item where every other axis has extent 1.
    /// </summary>
    void Softmax(OnnxNode node)
    {
        var x = Runtime(node, 0);
        long axis = node.Int("axis", _opset < 13 ? 1 : -1);
        if (axis < 0) axis += x.Rank;
        bool wholeItem = _opset < 13 ? axis == 1 : x.Dims.Where((_, i) => i + 1 != axis).All(d => d == 1);
        if (!wholeItem) throw node.Error($"softmax over axis {node.Int("axis", _opset < 13 ? 1 : -1)} of {x} is not supported (only over all of an item's values)");
        Set(node, Add(new SoftmaxLayer(node.Name, x.Layer, x.Shape), x.Layout, x.Shape));
    }

    // ---- fully connected ------------------------------------------------------------------------

    OnnxValue Row(OnnxNode node)
    {
        var x = Runtime(node, 0);
        if (x.Layout != OnnxLayout.Flat || x.Shape.Rank != 1) throw node.Error($"needs an N x K matrix, got {x}");
        return x;
    }

    void Gemm(OnnxNode node)
    {
        var x = Row(node);
        if (node.Int("transA", 0) != 0) throw node.Error("transA 1 is not supported (the batch must be the rows)");
        var b = Constant(node, 1, "weights");
        if (b.Dims.Length != 2) throw node.Error($"weights of shape [{string.Join(",", b.Dims)}] are not a matrix");
        bool transB = node.Int("transB", 0) != 0;
        int k = x.Shape.Size, units = (int)(transB ? b.Dims[0] : b.Dims[1]);
        if ((transB ? b.Dims[1] : b.Dims[0]) != k) throw node.Error($"weights [{string.Join(",", b.Dims)}] do not fit {k} inputs");
        double alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        var weights = new float[k * units];
        for (int i = 0; i < k; i++)
            for (int o = 0; o < units; o++)
                weights[i * units + o] = (float)(alpha * b.Values[transB ? o * k + i : i * units + o]);
        var bias = OptionalConstant(node, 2, "bias") is { } c ? Expand(node, c, units, "bias").Select(v => (float)(beta * v)).ToArray() : new float[units];
        Set(node, Add(new DenseLayer(node.Name, x.Layer, k, units, weights, bias, relu: false), OnnxLayout.Flat, new TensorShape(units)));
    }

    void MatMul(OnnxNode node)
    {
        var x = Row(node);
        var b = Constant(node, 1, "weights");
        if (b.Dims.Length != 2 || b.Dims[0] != x.Shape.Size) throw node.Error($"weights of shape [{string.Join(",", b.Dims)}] do not fit {x}");
        int units = (int)b.Dims[1];
        Set(node, Add(new DenseLayer(node.Name, x.Layer, x.Shape.Size, units, b.Floats(), new float[units], relu: false), OnnxLayout.Flat, new TensorShape(units)));
    }

    /// <summary>A per-channel constant of <paramref name="count"/> values: given as that many, or as one for all.</summary>
    static float[] Expand(OnnxNode node, OnnxConstant c, int count, string what)
    {
        if (c.Values.Length == count) return c.Floats();
        if (c.Values.Length == 1) return Enumerable.Repeat((float)c.Values[0], count).ToArray();
        throw node.Error($"its {what} has {c.Values.Length} values for {count} channels");
    }
}
