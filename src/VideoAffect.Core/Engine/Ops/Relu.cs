using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>max(x, 0) element by element.</summary>
internal sealed class ReluLayer(string name, int input, TensorShape shape) : Layer(name, [input], shape)
{
    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        int length = batch * OutputShape.Size;
        inputs[0].AsSpan(0, length).CopyTo(output);
        SimdMath.Relu(output.AsSpan(0, length));
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<ReluKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], output);
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.Node("Relu", [onnx.Input(0)], onnx.Output);
        return true;
    }
}
