using ILGPU.Runtime;
using VideoAffect.Engine.Onnx;

namespace VideoAffect.Engine;

/// <summary>
/// Inverted dropout (kept activations scaled by 1 / (1 - rate) while training): the identity at
/// inference, so every inference backend passes its input through.
/// </summary>
internal sealed class DropoutLayer : Layer
{
    public DropoutLayer(string name, int input, TensorShape shape, float rate) : base(name, [input], shape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ModelFormatException($"layer '{name}': dropout rate {rate} is not in [0, 1)");
        Rate = rate;
    }

    public float Rate { get; }

    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => inputs[0].AsSpan(0, batch * OutputShape.Size).CopyTo(output);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan) =>
        (stream, inputs, output, batch) => inputs[0].SubView(0, batch * OutputShape.Size).CopyTo(stream, output.SubView(0, batch * OutputShape.Size));

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.Node("Identity", [onnx.Input(0)], onnx.Output);
        return true;
    }
}
