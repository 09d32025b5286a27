using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// Inputs side by side along the channel axis (the last one, NHWC; a flat tensor's only axis):
/// Inception-style branches, and DenseNet's growing feature stacks. Every other axis must agree.
/// </summary>
internal sealed class ConcatLayer : Layer
{
    public ConcatLayer(string name, int[] inputs, TensorShape[] shapes) : base(name, inputs, Joined(name, shapes)) => Widths = shapes.Select(Channels).ToArray();

    /// <summary>Each input's channels, in order.</summary>
    public int[] Widths { get; }

    static int Channels(TensorShape s) => s.IsImage ? s.Channels : s.Size;

    static TensorShape Joined(string name, TensorShape[] shapes)
    {
        if (shapes.Length == 0) throw new ModelFormatException($"layer '{name}': a concatenation needs inputs");
        var first = shapes[0];
        if (shapes.Any(s => s.IsImage != first.IsImage || (s.IsImage && (s.Height != first.Height || s.Width != first.Width)) || (!s.IsImage && s.Rank != 1)))
            throw new ModelFormatException($"layer '{name}': cannot concatenate {string.Join(", ", shapes)} along channels");
        int total = shapes.Sum(Channels);
        return first.IsImage ? new TensorShape(first.Height, first.Width, total) : new TensorShape(total);
    }

    int Pixels => OutputShape.Size / Widths.Sum();

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        int outChannels = Widths.Sum(), pixels = batch * Pixels;
        for (int k = 0, offset = 0; k < inputs.Length; offset += Widths[k], k++)
        {
            var (source, width, start) = (inputs[k], Widths[k], offset);
            Parallel.For(0, (pixels + 255) / 256, block =>
            {
                int end = Math.Min(pixels, (block + 1) * 256);
                for (int p = block * 256; p < end; p++)
                    source.AsSpan(p * width, width).CopyTo(output.AsSpan(p * outChannels + start, width));
            });
        }
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<ConcatKernel>();
        return (stream, inputs, output, batch) =>
        {
            int outChannels = Widths.Sum();
            for (int k = 0, offset = 0; k < inputs.Length; offset += Widths[k], k++)
                kernel.Launch(stream, batch * Pixels * Widths[k], inputs[k], output, Widths[k], outChannels, offset);
        };
    }

    /// <summary>Channels are ONNX's axis 1 both for NCHW images and for flat N x K tensors.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.Node("Concat", Enumerable.Range(0, Inputs.Count).Select(onnx.Input).ToArray(), onnx.Output, OnnxGraph.Attribute("axis", 1));
        return true;
    }
}
