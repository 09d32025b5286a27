using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Residual sum of two equally shaped tensors, optional ReLU.</summary>
internal sealed class AddLayer : Layer
{
    public AddLayer(string name, int left, int right, TensorShape shape, bool relu) : base(name, [left, right], shape) => Relu = relu;

    public bool Relu { get; }

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        int length = batch * OutputShape.Size;
        SimdMath.Add(inputs[0].AsSpan(0, length), inputs[1].AsSpan(0, length), output.AsSpan(0, length));
        if (Relu) SimdMath.Relu(output.AsSpan(0, length));
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<AddKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], inputs[1], output, Relu);
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        onnx.NodeWithRelu("Add", [onnx.Input(0), onnx.Input(1)], Relu);
        return true;
    }
}
