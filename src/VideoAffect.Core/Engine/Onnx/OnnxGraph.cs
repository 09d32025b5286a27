using System.Runtime.InteropServices;

namespace VideoAffect.Engine.Onnx;

/// <summary>
/// An ONNX graph under construction (opset 13): nodes, initializers and attribute helpers. Image
/// tensors are NCHW in ONNX and NHWC in our engine, so weights are transposed by the ops that own
/// them, and a tensor of any other rank keeps our order.
/// </summary>
internal sealed class OnnxGraph
{
    // Field numbers and enum values from onnx.proto.
    const int FloatType = 1, Int64Type = 7, AttrInt = 2, AttrInts = 7;

    public ProtoWriter Proto { get; } = new();

    public void Node(string op, string[] inputs, string output, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output);
        node.String(3, output + "_" + op);
        node.String(4, op);
        foreach (var a in attributes) node.Message(5, a);
        Proto.Message(1, node);
    }

    public void Initializer(string name, long[] dims, float[] values)
    {
        var t = new ProtoWriter();
        foreach (var d in dims) t.Int(1, d);
        Proto.Message(5, t.Int(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));
    }

    public void Initializer(string name, long[] values)
    {
        var t = new ProtoWriter().Int(1, values.Length).Int(2, Int64Type).String(8, name);
        Proto.Message(5, t.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));
    }

    /// <summary>A graph input or output: dims are numbers or symbolic names (the batch axis).</summary>
    public static ProtoWriter ValueInfo(string name, object[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
            shape.Message(1, d is string symbol ? new ProtoWriter().String(2, symbol) : new ProtoWriter().Int(1, Convert.ToInt64(d)));
        var tensorType = new ProtoWriter().Int(1, FloatType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    /// <summary>A batch of <paramref name="shape"/> as ONNX lays it out: images NCHW, the rest as they are.</summary>
    public static object[] Dims(TensorShape shape) =>
        shape.IsImage ? ["N", shape.Channels, shape.Height, shape.Width] : ["N", .. shape.Dims.Cast<object>()];

    public static ProtoWriter Attribute(string name, long value) => new ProtoWriter().String(1, name).Int(3, value).Int(20, AttrInt);

    public static ProtoWriter Attribute(string name, long[] values)
    {
        var a = new ProtoWriter().String(1, name);
        foreach (var v in values) a.Int(8, v);
        return a.Int(20, AttrInts);
    }
}

/// <summary>What one layer's ONNX mapping writes with: its inputs' names and shapes and its output's name.</summary>
internal sealed class OnnxNodeWriter(OnnxGraph graph, string[] inputs, TensorShape[] inputShapes, string output)
{
    public OnnxGraph Graph => graph;
    public string Input(int k) => inputs[k];
    public TensorShape InputShape(int k) => inputShapes[k];
    public string Output => output;
    /// <summary>A name for an intermediate tensor or initializer of this layer.</summary>
    public string Local(string suffix) => $"{output}_{suffix}";

    public void Node(string op, string[] nodeInputs, string nodeOutput, params ProtoWriter[] attributes) =>
        graph.Node(op, nodeInputs, nodeOutput, attributes);

    /// <summary>The op followed by ReLU where it is fused in our layer.</summary>
    public void NodeWithRelu(string op, string[] nodeInputs, bool relu, params ProtoWriter[] attributes)
    {
        string target = relu ? Local(op.ToLowerInvariant()) : output;
        graph.Node(op, nodeInputs, target, attributes);
        if (relu) graph.Node("Relu", [target], output);
    }
}
