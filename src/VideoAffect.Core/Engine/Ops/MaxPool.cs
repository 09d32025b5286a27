using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Max over each window, per channel; SAME padding never wins (it is minus infinity).</summary>
internal sealed class MaxPoolLayer(string name, int input, WindowGeometry geometry)
    : Layer(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
{
    public WindowGeometry Geometry { get; } = geometry;

    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => ManagedMaxPool.Run(inputs[0], output, batch, Geometry);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<MaxPoolKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch, inputs[0], output, Geometry);
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.Node("MaxPool", [onnx.Input(0)], onnx.Output, OnnxWindow.Attributes(Geometry, group: 0));
        return true;
    }
}
