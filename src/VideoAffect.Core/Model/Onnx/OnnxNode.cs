using VideoAffect.Engine.Onnx.Proto;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// One ONNX node as the importer reads it: its attributes with their defaults, and every message
/// about it naming the op, the node and the opset, so a refused model says exactly what to change.
/// </summary>
sealed class OnnxNode(NodeProto proto, int opset)
{
    public NodeProto Proto => proto;
    public string Op => proto.OpType;
    public string Name => proto.Name.Length > 0 ? proto.Name : proto.Output.FirstOrDefault() ?? "?";
    public int Opset => opset;

    /// <summary>Input <paramref name="k"/>'s tensor name, or null where it is absent (beyond the list, or named "").</summary>
    public string? Input(int k) => k < proto.Input.Count && proto.Input[k].Length > 0 ? proto.Input[k] : null;
    public string Output => proto.Output[0];

    public ModelFormatException Error(string problem) => new($"op {Op} (node '{Name}', opset {opset}): {problem}");

    AttributeProto? Find(string name) => proto.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Find(name) is { } a ? a.I : fallback;
    public float Float(string name, float fallback) => Find(name) is { } a ? a.F : fallback;
    public string String(string name, string fallback) => Find(name) is { } a ? a.S.ToStringUtf8() : fallback;
    public long[]? Ints(string name) => Find(name) is { } a ? a.Ints.ToArray() : null;
    public bool Has(string name) => Find(name) is not null;
    public TensorProto? Tensor(string name) => Find(name)?.T;
    public AttributeProto? Attribute(string name) => Find(name);
}
