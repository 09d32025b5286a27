using System.Text.Json;
using VideoAffect.Engine;
using VideoAffect.Kernels;

namespace VideoAffect.Model;

/// <summary>
/// Reads a TensorFlow.js graph model (model JSON + binary weight shards) into a <see cref="Network"/>:
/// a classifier (one output, one value per label) or any graph with named outputs (a detector).
/// Only the ops the engine implements are accepted; anything else is a <see cref="ModelFormatException"/>
/// naming the op and node, never a silent mis-read.
/// </summary>
internal static class TfjsGraphModelLoader
{
    public static readonly IReadOnlyList<string> SupportedOps =
        ["Placeholder", "Const", "Identity", "_FusedConv2D", "Conv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative",
         "MaxPool", "AddV2", "Add", "Relu", "Mean", "Softmax", "Pad", "Reshape"];

    /// <summary>A classifier: one output, one value per label (FER-2013's seven unless given).</summary>
    public static Network Load(string jsonPath, IReadOnlyList<string>? labels = null) =>
        Load(jsonPath, labels ?? EmotionLabels.Fer2013, input: null);

    /// <summary>
    /// Any graph: every output the model's signature names (else every node nothing consumes),
    /// in name order, and the input as <paramref name="input"/> says the model was trained.
    /// </summary>
    public static Network LoadGraph(string jsonPath, Func<TensorShape, InputSpec>? input = null) => Load(jsonPath, null, input);

    /// <summary>Whether the file's first byte after white space (and a UTF-8 byte order mark) is '{'.</summary>
    static bool StartsAsJsonObject(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[256];
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var bytes = head.AsSpan(0, n);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        int at = bytes.IndexOfAnyExcept((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']);
        return at >= 0 && bytes[at] == (byte)'{';
    }

    static Network Load(string jsonPath, IReadOnlyList<string>? labels, Func<TensorShape, InputSpec>? input)
    {
        string source = Path.GetFileName(jsonPath);
        if (!File.Exists(jsonPath))
            throw new ModelFormatException($"model file '{jsonPath}' does not exist");
        // A file that does not start as JSON (a video or a weights file given by mistake) is said to be
        // no model before it is read whole: ReadAllBytes of a large one took its size in memory.
        if (!StartsAsJsonObject(jsonPath))
            throw new ModelFormatException($"model file '{jsonPath}' is none of the models VideoAffect reads: a .vamodel from videoaffect train, an ONNX classifier (.onnx) or a TF.js graph model (its model.json)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath)); }
        catch (JsonException e) { throw new ModelFormatException($"{source} is not valid JSON ({e.Message.Split('\n')[0]}); it is not a TF.js graph model or it is damaged"); }
        using (doc)
        {
            try { return Build(doc.RootElement, Path.GetDirectoryName(Path.GetFullPath(jsonPath))!, source, labels, input); }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or OverflowException or IndexOutOfRangeException)
            {
                throw new ModelFormatException($"{source} is not a well-formed TF.js graph model: {e.Message}", e);
            }
        }
    }

    static Network Build(JsonElement root, string directory, string source, IReadOnlyList<string>? labels, Func<TensorShape, InputSpec>? input)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("modelTopology", out var topology) || !root.TryGetProperty("weightsManifest", out var manifest))
            throw new ModelFormatException($"{source} is not a TF.js graph model (no modelTopology/weightsManifest)");
        if (root.TryGetProperty("format", out var format) && format.GetString() != "graph-model")
            throw new ModelFormatException($"{source} is a TF.js '{format.GetString()}', not a graph-model; convert it with tensorflowjs_converter --output_format=tfjs_graph_model");

        var weights = TfjsWeights.Read(manifest, directory, source);
        var nodes = new Dictionary<string, JsonElement>();
        foreach (var node in topology.GetProperty("node").EnumerateArray())
            nodes[node.GetProperty("name").GetString()!] = node;

        var builder = new GraphBuilder(nodes, weights, source);
        var names = OutputNodeNames(root, nodes);
        if (labels is not null)
        {
            if (names.Count != 1)
                throw new ModelFormatException($"{source} has {names.Count} outputs ({string.Join(", ", names)}); a classifier has one");
            builder.Resolve(names[0]);
            CheckInput(builder.Layers, source);
            return new Network(builder.Layers, labels, source, input?.Invoke(builder.Layers[0].OutputShape));
        }
        var outputs = names.Select(n => new NetworkOutput(n, builder.Resolve(n))).ToList();
        CheckInput(builder.Layers, source);
        return new Network(builder.Layers, outputs, [], source, input?.Invoke(builder.Layers[0].OutputShape));
    }

    static void CheckInput(List<Layer> layers, string source)
    {
        if (layers.Count == 0 || layers[0] is not InputLayer)
            throw new ModelFormatException($"{source}: the outputs do not depend on the input placeholder");
    }

    /// <summary>The signature's outputs if the model names them, else the nodes nothing consumes; in name order.</summary>
    static List<string> OutputNodeNames(JsonElement root, Dictionary<string, JsonElement> nodes)
    {
        if (root.TryGetProperty("userDefinedMetadata", out var meta) && meta.TryGetProperty("signature", out var sig)
            && sig.TryGetProperty("outputs", out var outputs) && outputs.EnumerateObject().Any())
            return outputs.EnumerateObject().Select(o => o.Name.Split(':')[0]).Order(StringComparer.Ordinal).ToList();
        var consumed = nodes.Values.SelectMany(n => n.TryGetProperty("input", out var i) ? i.EnumerateArray().Select(x => StripInput(x.GetString()!)) : [])
            .ToHashSet();
        return nodes.Where(n => !consumed.Contains(n.Key) && n.Value.GetProperty("op").GetString() != "Const")
            .Select(n => n.Key).Order(StringComparer.Ordinal).ToList();
    }

    internal static string StripInput(string input) => input.TrimStart('^').Split(':')[0];

    /// <summary>Turns graph nodes into layers depth-first from the output, so layers come out topologically ordered.</summary>
    sealed class GraphBuilder(Dictionary<string, JsonElement> nodes, TfjsWeights weights, string source)
    {
        readonly Dictionary<string, int> _built = new();
        /// <summary>How many nodes read each node: an Add read only by a Relu becomes one fused layer.</summary>
        readonly Dictionary<string, int> _readers = nodes.Values
            .SelectMany(n => n.TryGetProperty("input", out var i) ? i.EnumerateArray().Select(x => StripInput(x.GetString()!)) : [])
            .GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        readonly HashSet<string> _visiting = new();
        public List<Layer> Layers { get; } = new();

        public int Resolve(string name)
        {
            if (_built.TryGetValue(name, out int index)) return index;
            if (!nodes.TryGetValue(name, out var node))
                throw new ModelFormatException($"{source}: node '{name}' is referenced but not defined");
            if (!_visiting.Add(name))
                throw new ModelFormatException($"{source}: the graph has a cycle through '{name}'");
            index = BuildNode(name, node);
            _visiting.Remove(name);
            _built[name] = index;
            return index;
        }

        string[] Inputs(JsonElement node) =>
            node.TryGetProperty("input", out var i) ? i.EnumerateArray().Select(x => StripInput(x.GetString()!)).Where(x => !x.StartsWith('^')).ToArray() : [];

        int Add(Layer layer)
        {
            Layers.Add(layer);
            return Layers.Count - 1;
        }

        TensorShape ShapeOf(int layer) => Layers[layer].OutputShape;

        int BuildNode(string name, JsonElement node)
        {
            string op = node.GetProperty("op").GetString()!;
            var attr = new TfjsNodeAttributes(name, node.TryGetProperty("attr", out var a) ? a : default, source);
            string[] inputs = Inputs(node);
            switch (op)
            {
                case "Placeholder":
                    if (Layers.Count > 0) throw new ModelFormatException($"{source}: more than one input placeholder ('{name}'); VideoAffect runs single-input models");
                    int[] dims = attr.PlaceholderShape();
                    if (dims.Length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0)
                        throw new ModelFormatException($"{source}: input '{name}' has shape [{string.Join(",", dims)}]; expected [batch, height, width, channels]");
                    return Add(new InputLayer(name, new TensorShape(dims[1], dims[2], dims[3])));
                case "Identity":
                    Expect(name, op, inputs, 1);
                    return Resolve(inputs[0]);
                case "_FusedConv2D":
                case "Conv2D":
                    return Convolution(name, op, attr, inputs, depthwise: false);
                case "DepthwiseConv2dNative":
                case "FusedDepthwiseConv2dNative":
                    return Convolution(name, op, attr, inputs, depthwise: true);
                case "MaxPool":
                {
                    Expect(name, op, inputs, 1);
                    int x = Resolve(inputs[0]);
                    RequireNhwc(name, attr);
                    int[] k = attr.Ints("ksize"), s = attr.Ints("strides");
                    if (k.Length != 4 || s.Length != 4 || k[0] != 1 || k[3] != 1 || s[0] != 1 || s[3] != 1)
                        throw new ModelFormatException($"{source}: MaxPool '{name}' pools over batch or channels, which is not supported");
                    var shape = ShapeOf(x);
                    var g = Geometry(name, shape, shape.Channels, k[1], k[2], s[1], s[2], attr);
                    return Add(new MaxPoolLayer(name, x, g));
                }
                case "AddV2":
                case "Add":
                    return Sum(name, op, inputs, relu: false);
                case "Relu":
                {
                    Expect(name, op, inputs, 1);
                    // A residual sum read only by this ReLU: one pass over the tensor instead of two, and
                    // none at all when one side is a convolution only the sum reads (it adds as it stores).
                    if (nodes.TryGetValue(inputs[0], out var producer) && producer.GetProperty("op").GetString() is "AddV2" or "Add"
                        && ReadOnce(inputs[0]))
                    {
                        string[] terms = Inputs(producer);
                        Expect(inputs[0], "AddV2", terms, 2);
                        for (int side = 0; side < 2; side++)
                            if (nodes.TryGetValue(terms[side], out var conv) && conv.GetProperty("op").GetString() is "_FusedConv2D" or "Conv2D"
                                && ReadOnce(terms[side]) && !FusesRelu(conv))
                            {
                                int shortcut = Resolve(terms[1 - side]);
                                var convAttr = new TfjsNodeAttributes(terms[side], conv.TryGetProperty("attr", out var ca) ? ca : default, source);
                                int fused = Convolution(name, conv.GetProperty("op").GetString()!, convAttr, Inputs(conv), depthwise: false, residual: shortcut);
                                if (ShapeOf(fused) != ShapeOf(shortcut))
                                    throw new ModelFormatException($"{source}: AddV2 '{inputs[0]}' adds {ShapeOf(fused)} to {ShapeOf(shortcut)}; broadcasting is not supported");
                                return fused;
                            }
                        return Sum(name, "AddV2", terms, relu: true);
                    }
                    int x = Resolve(inputs[0]);
                    return Add(new ReluLayer(name, x, ShapeOf(x)));
                }
                case "Mean":
                {
                    Expect(name, op, inputs, 2);
                    int x = Resolve(inputs[0]);
                    int[] axes = weights.Ints(inputs[1], source).Order().ToArray();
                    if (!axes.SequenceEqual([1, 2]))
                        throw new ModelFormatException($"{source}: Mean '{name}' reduces axes [{string.Join(",", axes)}]; only the spatial mean [1,2] is supported");
                    return Add(new GlobalAveragePoolLayer(name, x, ShapeOf(x)));
                }
                case "Softmax":
                {
                    Expect(name, op, inputs, 1);
                    int x = Resolve(inputs[0]);
                    return Add(new SoftmaxLayer(name, x, ShapeOf(x)));
                }
                case "Pad":
                {
                    Expect(name, op, inputs, 2);
                    int x = Resolve(inputs[0]);
                    int[] p = weights.Ints(inputs[1], source);
                    if (p.Length != 8 || p[0] != 0 || p[1] != 0)
                        throw new ModelFormatException($"{source}: Pad '{name}' pads [{string.Join(",", p)}]; only the height, width and channel axes can be padded");
                    if (attr.String("mode", "CONSTANT") != "CONSTANT")
                        throw new ModelFormatException($"{source}: Pad '{name}' is not a constant (zero) pad");
                    return Add(new PadLayer(name, x, PadLayer.Around(ShapeOf(x), (p[2], p[3]), (p[4], p[5]), (p[6], p[7]))));
                }
                case "Reshape":
                {
                    Expect(name, op, inputs, 2);
                    int x = Resolve(inputs[0]);
                    var shape = ReshapeTarget(name, ShapeOf(x), weights.Ints(inputs[1], source));
                    return Add(new ReshapeLayer(name, x, ShapeOf(x), shape));
                }
                case "Const":
                    throw new ModelFormatException($"{source}: constant '{name}' is used as an activation; the graph is not a feed-forward image classifier");
                default:
                    throw new ModelFormatException($"{source}: node '{name}' uses op '{op}', which VideoAffect does not support (supported: {string.Join(", ", SupportedOps)})");
            }
        }

        bool ReadOnce(string node) => _readers.GetValueOrDefault(node) == 1 && !_built.ContainsKey(node);

        static bool FusesRelu(JsonElement conv) =>
            conv.TryGetProperty("attr", out var a) && a.TryGetProperty("fused_ops", out var f) && f.TryGetProperty("list", out var l)
            && l.TryGetProperty("s", out var s) && s.GetArrayLength() > 1;

        int Sum(string name, string op, string[] inputs, bool relu)
        {
            Expect(name, op, inputs, 2);
            int l = Resolve(inputs[0]), r = Resolve(inputs[1]);
            if (ShapeOf(l) != ShapeOf(r))
                throw new ModelFormatException($"{source}: {op} '{name}' adds {ShapeOf(l)} to {ShapeOf(r)}; broadcasting is not supported");
            return Add(new AddLayer(name, l, r, ShapeOf(l), relu));
        }

        /// <param name="residual">A layer added to the output before the ReLU, which then always follows (conv + AddV2 + Relu fused).</param>
        int Convolution(string name, string op, TfjsNodeAttributes attr, string[] inputs, bool depthwise, int? residual = null)
        {
            bool fused = op.StartsWith("Fused") || op.StartsWith("_Fused");
            bool relu = false;
            if (fused)
            {
                string[] ops = attr.Strings("fused_ops");
                if (ops.Length == 0 || ops[0] != "BiasAdd" || ops.Length > 2 || (ops.Length == 2 && ops[1] != "Relu"))
                    throw new ModelFormatException($"{source}: {op} '{name}' fuses [{string.Join(",", ops)}]; supported: BiasAdd, BiasAdd+Relu");
                relu = ops.Length == 2;
                Expect(name, op, inputs, 3);
            }
            else Expect(name, op, inputs, 2);

            int x = Resolve(inputs[0]);
            RequireNhwc(name, attr);
            if (attr.Ints("dilations", [1, 1, 1, 1]).Any(d => d != 1))
                throw new ModelFormatException($"{source}: {op} '{name}' is dilated, which is not supported");
            int[] strides = attr.Ints("strides");
            if (strides.Length != 4 || strides[0] != 1 || strides[3] != 1)
                throw new ModelFormatException($"{source}: {op} '{name}' has strides [{string.Join(",", strides)}]; expected [1, sy, sx, 1]");

            var (wShape, w) = weights.Floats(inputs[1], source);
            var inShape = ShapeOf(x);
            if (wShape.Length != 4 || wShape[2] != inShape.Channels)
                throw new ModelFormatException($"{source}: {op} '{name}' has filter [{string.Join(",", wShape)}] for an input of {inShape.Channels} channels");
            if (depthwise && wShape[3] != 1)
                throw new ModelFormatException($"{source}: {op} '{name}' has channel multiplier {wShape[3]}; only 1 is supported");
            int outChannels = depthwise ? inShape.Channels : wShape[3];
            float[] bias = fused ? weights.Floats(inputs[2], source).Values : new float[outChannels];
            var g = Geometry(name, inShape, outChannels, wShape[0], wShape[1], strides[1], strides[2], attr);
            return Add(depthwise
                ? new DepthwiseConv2DLayer(name, x, g, w, bias, relu)
                : new Conv2DLayer(name, x, g, w, bias, relu || residual is not null, residual));
        }

        /// <summary>TF's target shape without its batch axis (which must stay the batch), one -1 inferred.</summary>
        TensorShape ReshapeTarget(string name, TensorShape input, int[] dims)
        {
            if (dims.Length < 2 || dims[0] is not (1 or -1))
                throw new ModelFormatException($"{source}: Reshape '{name}' to [{string.Join(",", dims)}] changes the batch axis");
            int[] item = dims[1..];
            int unknown = item.Count(d => d == -1), known = item.Where(d => d != -1).Aggregate(1, (a, d) => a * d);
            if (unknown > 1 || item.Any(d => d == 0 || d < -1) || known == 0 || input.Size % known != 0)
                throw new ModelFormatException($"{source}: Reshape '{name}' cannot make {input} into [{string.Join(",", dims)}]");
            return new TensorShape(item.Select(d => d == -1 ? input.Size / known : d).ToArray());
        }

        WindowGeometry Geometry(string name, TensorShape input, int outChannels, int kh, int kw, int sy, int sx, TfjsNodeAttributes attr)
        {
            string padding = attr.String("padding");
            var mode = padding switch
            {
                "SAME" => Padding.Same,
                "VALID" => Padding.Valid,
                _ => throw new ModelFormatException($"{source}: node '{name}' uses padding '{padding}'; supported: SAME, VALID"),
            };
            try { return new WindowGeometry(input.Height, input.Width, input.Channels, outChannels, kh, kw, sy, sx, mode); }
            catch (ArgumentException e) { throw new ModelFormatException($"{source}: node '{name}': {e.Message}"); }
        }

        void RequireNhwc(string name, TfjsNodeAttributes attr)
        {
            string layout = attr.String("data_format", "NHWC");
            if (layout != "NHWC") throw new ModelFormatException($"{source}: node '{name}' uses data format {layout}; only NHWC is supported");
        }

        void Expect(string name, string op, string[] inputs, int count)
        {
            if (inputs.Length != count)
                throw new ModelFormatException($"{source}: {op} '{name}' has {inputs.Length} inputs, expected {count}");
        }
    }
}
