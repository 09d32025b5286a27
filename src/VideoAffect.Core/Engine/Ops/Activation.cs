using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>LeakyRelu, Sigmoid, Tanh, Clip, HardSigmoid, HardSwish or Elu element by element (ReLU has its own layer, and convolutions fuse it).</summary>
internal sealed class ActivationLayer(string name, int input, TensorShape shape, Activation activation) : Layer(name, [input], shape)
{
    public Activation Activation { get; } = activation;
    public override string Op => Activation.Kind.ToString();

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var a = Activation;
        var source = inputs[0];
        int length = batch * OutputShape.Size;
        Parallel.For(0, (length + 4095) / 4096, block =>
        {
            int end = Math.Min(length, (block + 1) * 4096);
            for (int i = block * 4096; i < end; i++) output[i] = a.Apply(source[i]);
        });
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<ActivationKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], output, Activation);
    }

    /// <summary>Clip takes its bounds as inputs from opset 11 on; the exporter writes opset 13.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        var a = Activation;
        switch (a.Kind)
        {
            case ActivationKind.LeakyRelu: onnx.Node("LeakyRelu", [onnx.Input(0)], onnx.Output, OnnxGraph.Attribute("alpha", a.Alpha)); break;
            case ActivationKind.Sigmoid: onnx.Node("Sigmoid", [onnx.Input(0)], onnx.Output); break;
            case ActivationKind.Tanh: onnx.Node("Tanh", [onnx.Input(0)], onnx.Output); break;
            case ActivationKind.HardSigmoid:
                onnx.Node("HardSigmoid", [onnx.Input(0)], onnx.Output, OnnxGraph.Attribute("alpha", a.Alpha), OnnxGraph.Attribute("beta", a.Min));
                break;
            case ActivationKind.HardSwish: // HardSwish itself came with opset 14; the exporter writes 13
                onnx.Node("HardSigmoid", [onnx.Input(0)], onnx.Local("gate"), OnnxGraph.Attribute("alpha", 1f / 6f), OnnxGraph.Attribute("beta", 0.5f));
                onnx.Node("Mul", [onnx.Input(0), onnx.Local("gate")], onnx.Output);
                break;
            case ActivationKind.Elu: onnx.Node("Elu", [onnx.Input(0)], onnx.Output, OnnxGraph.Attribute("alpha", a.Alpha)); break;
            default:
                onnx.Graph.Initializer(onnx.Local("min"), [], [a.Min]);
                onnx.Graph.Initializer(onnx.Local("max"), [], [a.Max]);
                onnx.Node("Clip", [onnx.Input(0), onnx.Local("min"), onnx.Local("max")], onnx.Output);
                break;
        }
        return true;
    }
}
