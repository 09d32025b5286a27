using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Mean over each window, per channel (ONNX's AveragePool, TF's AvgPool).</summary>
internal sealed class AveragePoolLayer(string name, int input, WindowGeometry geometry, AveragePoolDivisor divisor)
    : Layer(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
{
    public WindowGeometry Geometry { get; } = geometry;
    public AveragePoolDivisor Divisor { get; } = divisor;

    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => ManagedAveragePool.Run(inputs[0], output, batch, Geometry, Divisor);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<AveragePoolKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch, inputs[0], output, Geometry, Divisor);
    }

    /// <summary>Padding past the declared pads (from ceil_mode) is written as pads only where it is never counted.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        var g = Geometry;
        bool extended = g.PadBottom > Divisor.PadBottom || g.PadRight > Divisor.PadRight;
        if (extended && Divisor.IncludePad != 0) return false; // ONNX would count the extension
        onnx.Node("AveragePool", [onnx.Input(0)], onnx.Output,
            [.. OnnxWindow.Attributes(g, group: 0), OnnxGraph.Attribute("count_include_pad", Divisor.IncludePad)]);
        return true;
    }
}
