using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// <c>x * scale[c] + shift[c]</c> per channel (the last axis; every value of a flat tensor is its own
/// channel): an inference-time batch norm, or arithmetic with constants, where no convolution
/// before it could absorb it (the ONNX importer folds it into one where it can).
/// </summary>
internal sealed class ScaleShiftLayer : Layer
{
    public ScaleShiftLayer(string name, int input, TensorShape shape, float[] scale, float[] shift) : base(name, [input], shape)
    {
        if (scale.Length != Channels || shift.Length != Channels)
            throw new ModelFormatException($"layer '{name}': {scale.Length} scales and {shift.Length} shifts for {Channels} channels");
        Scale = scale;
        Shift = shift;
    }

    public float[] Scale { get; }
    public float[] Shift { get; }
    public int Channels => OutputShape.IsImage ? OutputShape.Channels : OutputShape.Size;
    public override string Op => "ScaleShift";

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var (source, scale, shift, channels) = (inputs[0], Scale, Shift, Channels);
        int pixels = batch * OutputShape.Size / channels;
        Parallel.For(0, (pixels + 255) / 256, block =>
        {
            int end = Math.Min(pixels, (block + 1) * 256);
            for (int p = block * 256; p < end; p++)
                for (int c = 0, i = p * channels; c < channels; c++, i++)
                    output[i] = source[i] * scale[c] + shift[c];
        });
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var (scale, shift) = (plan.Upload(Scale), plan.Upload(Shift));
        var kernel = plan.Kernel<ScaleShiftKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], scale, shift, output, Channels);
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        long[] dims = OutputShape.IsImage ? [Channels, 1, 1] : OutputShape.Dims.Select(d => (long)d).ToArray();
        onnx.Graph.Initializer(onnx.Local("scale"), dims, Scale);
        onnx.Graph.Initializer(onnx.Local("shift"), dims, Shift);
        onnx.Node("Mul", [onnx.Input(0), onnx.Local("scale")], onnx.Local("scaled"));
        onnx.Node("Add", [onnx.Local("scaled"), onnx.Local("shift")], onnx.Output);
        return true;
    }
}
