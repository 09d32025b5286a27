using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>ReLU with a learned slope per channel below zero (the last axis; every value of a flat tensor is its own channel).</summary>
internal sealed class PReluLayer : Layer
{
    public PReluLayer(string name, int input, TensorShape shape, float[] slopes) : base(name, [input], shape)
    {
        if (slopes.Length != Channels) throw new ModelFormatException($"layer '{name}': {slopes.Length} slopes for {Channels} channels");
        Slopes = slopes;
    }

    public float[] Slopes { get; }
    public int Channels => OutputShape.IsImage ? OutputShape.Channels : OutputShape.Size;

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var (source, slopes, channels) = (inputs[0], Slopes, Channels);
        int pixels = batch * OutputShape.Size / channels;
        Parallel.For(0, (pixels + 255) / 256, block =>
        {
            int end = Math.Min(pixels, (block + 1) * 256);
            for (int p = block * 256; p < end; p++)
                for (int c = 0, i = p * channels; c < channels; c++, i++)
                    output[i] = source[i] >= 0f ? source[i] : source[i] * slopes[c];
        });
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var slopes = plan.Upload(Slopes);
        var kernel = plan.Kernel<PReluKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], slopes, output, Channels);
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        long[] dims = OutputShape.IsImage ? [Channels, 1, 1] : OutputShape.Dims.Select(d => (long)d).ToArray();
        onnx.Graph.Initializer(onnx.Local("slope"), dims, Slopes);
        onnx.Node("PRelu", [onnx.Input(0), onnx.Local("slope")], onnx.Output);
        return true;
    }
}
