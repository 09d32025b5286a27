using System.Runtime.InteropServices;
using VideoAffect.Kernels;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// Writes a <see cref="Network"/> as an ONNX model (opset 13, NCHW, float32), so other engines
/// (OpenCV DNN, ONNX Runtime) can run exactly our network: the yardstick for our backends' speed
/// and an independent check of their results. NHWC/HWIO weights are transposed to NCHW/OIHW, and
/// TF's asymmetric SAME padding becomes explicit ONNX pads.
/// </summary>
public static class OnnxExporter
{
    // Field numbers and enum values from onnx.proto.
    const int FloatType = 1, AttrInt = 2, AttrInts = 7;

    public static byte[] Export(Network network)
    {
        var graph = new ProtoWriter();
        var names = new string[network.Layers.Count];
        var shape = network.InputShape;
        names[0] = "input";
        for (int i = 1; i < network.Layers.Count; i++)
        {
            var layer = network.Layers[i];
            string output = names[i] = $"t{i}";
            string In(int k) => names[layer.Inputs[k]];
            switch (layer)
            {
                case DenseLayer:
                    throw new NotSupportedException($"layer '{layer.Name}': dense layers are not exported to ONNX yet");
                case Conv2DLayer c:
                    graph.Message(5, Tensor($"w{i}", [c.Geometry.OutChannels, c.Geometry.InChannels, c.Geometry.KernelHeight, c.Geometry.KernelWidth], HwioToOihw(c.Weights, c.Geometry)));
                    graph.Message(5, Tensor($"b{i}", [c.Bias.Length], c.Bias));
                    output = c.Relu ? $"t{i}_conv" : output;
                    graph.Message(1, Node("Conv", [In(0), $"w{i}", $"b{i}"], output, WindowAttributes(c.Geometry, group: 1, withKernel: true)));
                    if (c.Relu) graph.Message(1, Node("Relu", [output], names[i]));
                    break;
                case DepthwiseConv2DLayer d:
                    graph.Message(5, Tensor($"w{i}", [d.Geometry.InChannels, 1, d.Geometry.KernelHeight, d.Geometry.KernelWidth], HwcToC1hw(d.Weights, d.Geometry)));
                    graph.Message(5, Tensor($"b{i}", [d.Bias.Length], d.Bias));
                    output = d.Relu ? $"t{i}_conv" : output;
                    graph.Message(1, Node("Conv", [In(0), $"w{i}", $"b{i}"], output, WindowAttributes(d.Geometry, group: d.Geometry.InChannels, withKernel: true)));
                    if (d.Relu) graph.Message(1, Node("Relu", [output], names[i]));
                    break;
                case MaxPoolLayer m:
                    graph.Message(1, Node("MaxPool", [In(0)], output, WindowAttributes(m.Geometry, group: 0, withKernel: true)));
                    break;
                case AddLayer a:
                    output = a.Relu ? $"t{i}_add" : output;
                    graph.Message(1, Node("Add", [In(0), In(1)], output));
                    if (a.Relu) graph.Message(1, Node("Relu", [output], names[i]));
                    break;
                case ReluLayer:
                    graph.Message(1, Node("Relu", [In(0)], output));
                    break;
                case GlobalAveragePoolLayer:
                    graph.Message(1, Node("GlobalAveragePool", [In(0)], $"t{i}_pool"));
                    graph.Message(1, Node("Flatten", [$"t{i}_pool"], output, Attribute("axis", 1)));
                    break;
                case SoftmaxLayer:
                    graph.Message(1, Node("Softmax", [In(0)], output, Attribute("axis", 1)));
                    break;
                default:
                    throw new ModelFormatException($"the ONNX exporter has no mapping for {layer.GetType().Name}");
            }
        }
        graph.String(2, "videoaffect");
        graph.Message(11, ValueInfo("input", ["N", shape.Channels, shape.Height, shape.Width]));
        graph.Message(12, ValueInfo(names[^1], ["N", network.ClassCount]));

        return new ProtoWriter()
            .Int(1, 7)                                   // ir_version
            .String(2, "VideoAffect")                    // producer_name
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, 13)) // opset_import: default domain, opset 13
            .ToArray();
    }

    static ProtoWriter Node(string op, string[] inputs, string output, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output);
        node.String(3, output + "_" + op);
        node.String(4, op);
        foreach (var a in attributes) node.Message(5, a);
        return node;
    }

    static ProtoWriter[] WindowAttributes(WindowGeometry g, int group, bool withKernel)
    {
        // TF puts any odd padding after the input; ONNX names all four sides.
        int padBottom = Math.Max(0, (g.OutHeight - 1) * g.StrideY + g.KernelHeight - g.InHeight - g.PadTop);
        int padRight = Math.Max(0, (g.OutWidth - 1) * g.StrideX + g.KernelWidth - g.InWidth - g.PadLeft);
        var attributes = new List<ProtoWriter>
        {
            Attribute("strides", [g.StrideY, g.StrideX]),
            Attribute("pads", [g.PadTop, g.PadLeft, padBottom, padRight]),
        };
        if (withKernel) attributes.Add(Attribute("kernel_shape", [g.KernelHeight, g.KernelWidth]));
        if (group > 0) attributes.Add(Attribute("group", group));
        return attributes.ToArray();
    }

    static ProtoWriter Attribute(string name, long value) => new ProtoWriter().String(1, name).Int(3, value).Int(20, AttrInt);

    static ProtoWriter Attribute(string name, long[] values)
    {
        var a = new ProtoWriter().String(1, name);
        foreach (var v in values) a.Int(8, v);
        return a.Int(20, AttrInts);
    }

    static ProtoWriter Tensor(string name, long[] dims, float[] values)
    {
        var t = new ProtoWriter();
        foreach (var d in dims) t.Int(1, d);
        return t.Int(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
    }

    static ProtoWriter ValueInfo(string name, object[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
            shape.Message(1, d is string symbol ? new ProtoWriter().String(2, symbol) : new ProtoWriter().Int(1, Convert.ToInt64(d)));
        var tensorType = new ProtoWriter().Int(1, FloatType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    static float[] HwioToOihw(float[] w, WindowGeometry g)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, ci = g.InChannels, co = g.OutChannels;
        var result = new float[w.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < ci; i++)
                    for (int o = 0; o < co; o++)
                        result[((o * ci + i) * kh + y) * kw + x] = w[((y * kw + x) * ci + i) * co + o];
        return result;
    }

    static float[] HwcToC1hw(float[] w, WindowGeometry g)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, c = g.InChannels;
        var result = new float[w.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < c; i++)
                    result[(i * kh + y) * kw + x] = w[(y * kw + x) * c + i];
        return result;
    }

}
