using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Softmax over each item's values (the classes), numerically stable (max subtracted).</summary>
internal sealed class SoftmaxLayer(string name, int input, TensorShape shape) : Layer(name, [input], shape)
{
    internal override ManagedStep Managed(ManagedPlan plan) =>
        (inputs, output, batch) => ManagedReductions.Softmax(inputs[0], output, batch, OutputShape.Size);

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<SoftmaxKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch, inputs[0], output, OutputShape.Size);
    }

    /// <summary>
    /// Over every value of an item, whatever ONNX's layout of it (the sum does not depend on the
    /// order): a flat item directly, an image flattened, soft-maxed and given its NCHW shape back
    /// (a constant shape, so the file reads back into our engine too).
    /// </summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        if (OutputShape.Rank == 1)
        {
            onnx.Node("Softmax", [onnx.Input(0)], onnx.Output, OnnxGraph.Attribute("axis", 1));
            return true;
        }
        onnx.Node("Flatten", [onnx.Input(0)], onnx.Local("flat"), OnnxGraph.Attribute("axis", 1));
        onnx.Node("Softmax", [onnx.Local("flat")], onnx.Local("soft"), OnnxGraph.Attribute("axis", 1));
        onnx.Graph.Initializer(onnx.Local("shape"), [-1, .. OnnxGraph.Dims(OutputShape).Skip(1).Select(Convert.ToInt64)]);
        onnx.Node("Reshape", [onnx.Local("soft"), onnx.Local("shape")], onnx.Output);
        return true;
    }
}
