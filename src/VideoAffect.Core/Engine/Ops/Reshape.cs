using ILGPU.Runtime;
using VideoAffect.Engine.Onnx;

namespace VideoAffect.Engine;

/// <summary>
/// The same values under another shape (row-major, batch axis kept): nothing moves in NHWC, so
/// every backend copies. BlazeFace reshapes its 16x16x2 score maps into 512 anchors x 1 value.
/// </summary>
internal sealed class ReshapeLayer : Layer
{
    public ReshapeLayer(string name, int input, TensorShape inputShape, TensorShape shape) : base(name, [input], shape)
    {
        if (inputShape.Size != shape.Size)
            throw new ModelFormatException($"layer '{name}': cannot reshape {inputShape} ({inputShape.Size} values) to {shape} ({shape.Size})");
    }

    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => inputs[0].AsSpan(0, batch * OutputShape.Size).CopyTo(output);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan) =>
        (stream, inputs, output, batch) => inputs[0].SubView(0, batch * OutputShape.Size).CopyTo(stream, output.SubView(0, batch * OutputShape.Size));

    /// <summary>ONNX holds images NCHW, so an image goes back to NHWC order before the reshape and a new image to NCHW after it.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        string source = onnx.Input(0);
        if (onnx.InputShape(0).IsImage)
        {
            onnx.Node("Transpose", [source], onnx.Local("nhwc"), OnnxGraph.Attribute("perm", [0, 2, 3, 1]));
            source = onnx.Local("nhwc");
        }
        onnx.Graph.Initializer(onnx.Local("shape"), [-1, .. OutputShape.Dims.Select(d => (long)d)]);
        string reshaped = OutputShape.IsImage ? onnx.Local("reshaped") : onnx.Output;
        onnx.Node("Reshape", [source, onnx.Local("shape")], reshaped);
        if (OutputShape.IsImage) onnx.Node("Transpose", [reshaped], onnx.Output, OnnxGraph.Attribute("perm", [0, 3, 1, 2]));
        return true;
    }
}
