using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Mean over height and width: H x W x C -> 1 x 1 x C.</summary>
internal sealed class GlobalAveragePoolLayer(string name, int input, TensorShape inputShape)
    : Layer(name, [input], new TensorShape(1, 1, inputShape.Channels))
{
    public TensorShape InputShape { get; } = inputShape;
    int Pixels => InputShape.Height * InputShape.Width;

    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => ManagedReductions.GlobalAveragePool(inputs[0], output, batch, Pixels, InputShape.Channels);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<GlobalAveragePoolKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch, inputs[0], output, Pixels, InputShape.Channels);
    }

    /// <summary>ONNX keeps the pooled 1x1 axes; our 1x1xC item is the same values as the flattened N x C.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.Node("GlobalAveragePool", [onnx.Input(0)], onnx.Output);
        return true;
    }
}
