using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// Zeros around an image item on any of its three axes (TF's Pad with constant 0); BlazeFace uses
/// it to widen a shortcut's channels before a residual sum.
/// </summary>
internal sealed class PadLayer(string name, int input, PadGeometry geometry)
    : Layer(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
{
    public PadGeometry Geometry { get; } = geometry;

    /// <summary>The shape rule: the input grown by the zeros before and after it on each axis.</summary>
    public static PadGeometry Around(TensorShape input, (int Before, int After) height, (int Before, int After) width, (int Before, int After) channels)
    {
        if (new[] { height.Before, height.After, width.Before, width.After, channels.Before, channels.After }.Any(p => p < 0))
            throw new ModelFormatException("negative padding (cropping) is not supported");
        return new PadGeometry(input.Height, input.Width, input.Channels, height.Before, width.Before, channels.Before,
            input.Height + height.Before + height.After, input.Width + width.Before + width.After, input.Channels + channels.Before + channels.After);
    }

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var g = Geometry;
        var target = output.AsSpan(0, batch * g.OutputSize);
        target.Clear();
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < g.InHeight; y++)
                for (int x = 0; x < g.InWidth; x++)
                {
                    int from = ((n * g.InHeight + y) * g.InWidth + x) * g.InChannels;
                    int to = ((n * g.OutHeight + y + g.Top) * g.OutWidth + x + g.Left) * g.OutChannels + g.Front;
                    inputs[0].AsSpan(from, g.InChannels).CopyTo(target.Slice(to, g.InChannels));
                }
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<PadKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch, inputs[0], output, Geometry);
    }

    /// <summary>ONNX pads NCHW: begins for N, C, H, W then ends in the same order.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        var g = Geometry;
        onnx.Graph.Initializer(onnx.Local("pads"), [0, g.Front, g.Top, g.Left,
            0, g.OutChannels - g.InChannels - g.Front, g.OutHeight - g.InHeight - g.Top, g.OutWidth - g.InWidth - g.Left]);
        onnx.Node("Pad", [onnx.Input(0), onnx.Local("pads")], onnx.Output);
        return true;
    }
}
