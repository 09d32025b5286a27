using System.Runtime.InteropServices;
using Google.Protobuf;
using VideoAffect.Engine.Onnx.Proto;

namespace VideoAffect.Engine.Onnx;

/// <summary>
/// An ONNX graph under construction (opset 13): nodes, initializers and attribute helpers. Image
/// tensors are NCHW in ONNX and NHWC in our engine, so weights are transposed by the ops that own
/// them, and a tensor of any other rank keeps our order.
/// </summary>
internal sealed class OnnxGraph
{
    public GraphProto Proto { get; } = new() { Name = "videoaffect" };

    public void Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
    }

    public void Initializer(string name, long[] dims, float[] values) =>
        Proto.Initializer.Add(Tensor(name, dims, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan())));

    public void Initializer(string name, long[] values) =>
        Proto.Initializer.Add(Tensor(name, [values.Length], TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>Raw little-endian data: ONNX's compact form, and the one every runtime reads fastest.</summary>
    static TensorProto Tensor(string name, long[] dims, TensorProto.Types.DataType type, ReadOnlySpan<byte> raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    /// <summary>A graph input or output of float32: dims are numbers or symbolic names (the batch axis).</summary>
    public static ValueInfoProto ValueInfo(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } };
        return new ValueInfoProto { Name = name, Type = type };
    }

    /// <summary>A batch of <paramref name="shape"/> as ONNX lays it out: images NCHW, the rest as they are.</summary>
    public static object[] Dims(TensorShape shape) =>
        shape.IsImage ? ["N", shape.Channels, shape.Height, shape.Width] : ["N", .. shape.Dims.Cast<object>()];

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, F = value, Type = AttributeProto.Types.AttributeType.Float };

    public static AttributeProto Attribute(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
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

    public void Node(string op, string[] nodeInputs, string nodeOutput, params AttributeProto[] attributes) =>
        graph.Node(op, nodeInputs, nodeOutput, attributes);

    /// <summary>The op followed by ReLU where it is fused in our layer.</summary>
    public void NodeWithRelu(string op, string[] nodeInputs, bool relu, params AttributeProto[] attributes)
    {
        string target = relu ? Local(op.ToLowerInvariant()) : output;
        graph.Node(op, nodeInputs, target, attributes);
        if (relu) graph.Node("Relu", [target], output);
    }
}
