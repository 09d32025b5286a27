using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>Depthwise convolution, channel multiplier 1, weights [kh, kw, C], bias and optional ReLU.</summary>
internal sealed class DepthwiseConv2DLayer : Layer
{
    public DepthwiseConv2DLayer(string name, int input, WindowGeometry geometry, float[] weights, float[] bias, bool relu)
        : base(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
    {
        int expected = geometry.KernelHeight * geometry.KernelWidth * geometry.InChannels;
        if (geometry.InChannels != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': depthwise input and output channels differ");
        if (weights.Length != expected) throw new ModelFormatException($"layer '{name}': {weights.Length} weights, expected {expected}");
        if (bias.Length != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': {bias.Length} biases, expected {geometry.OutChannels}");
        Geometry = geometry; Weights = weights; Bias = bias; Relu = relu;
    }

    public WindowGeometry Geometry { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
    public bool Relu { get; }
    public override long MultiplyAdds => (long)Geometry.OutputSize * Geometry.KernelHeight * Geometry.KernelWidth;

    internal override ManagedStep Managed(ManagedPlan plan)
    {
        var packed = new PackedDepthwiseConv2D(Weights, Bias, Geometry, Relu, plan.AllowAvx512);
        return (inputs, output, batch) => packed.Run(inputs[0], output, batch);
    }

    /// <summary>One channel a thread, or four where C allows it, whichever runs this layer fastest on the device (timed per batch size class).</summary>
    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var (weights, bias, kernel, g) = (plan.Upload(Weights), plan.Upload(Bias), plan.Kernel<DepthwiseConv2DKernel>(), Geometry);
        var tactics = plan.Tactics(this, DepthwiseTactic.OneChannel, DepthwiseConv2DKernel.Tactics(g));
        return (stream, inputs, output, batch) => tactics.Launch(stream, batch,
            tactic => kernel.Launch(stream, batch, inputs[0], weights, bias, output, g, Relu, fourChannels: tactic == DepthwiseTactic.FourChannels));
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        var g = Geometry;
        onnx.Graph.Initializer(onnx.Local("w"), [g.InChannels, 1, g.KernelHeight, g.KernelWidth], OnnxWindow.HwcToC1hw(Weights, g));
        onnx.Graph.Initializer(onnx.Local("b"), [Bias.Length], Bias);
        onnx.NodeWithRelu("Conv", [onnx.Input(0), onnx.Local("w"), onnx.Local("b")], Relu, OnnxWindow.Attributes(g, group: g.InChannels));
        return true;
    }
}
