using VideoAffect.Engine.Cpu;
using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// Convolution with HWIO weights, bias, optionally a residual input added to its output (a
/// shortcut, as in BlazeFace's and ResNet's blocks), and optional ReLU: TF's _FusedConv2D, and
/// conv + AddV2 + Relu fused by the loader so the sum costs no pass of its own.
/// </summary>
internal class Conv2DLayer : Layer
{
    public Conv2DLayer(string name, int input, WindowGeometry geometry, float[] weights, float[] bias, bool relu, int? residual = null)
        : base(name, residual is { } r ? [input, r] : [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
    {
        int expected = geometry.KernelHeight * geometry.KernelWidth * geometry.InChannels * geometry.OutChannels;
        if (weights.Length != expected) throw new ModelFormatException($"layer '{name}': {weights.Length} weights, expected {expected}");
        if (bias.Length != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': {bias.Length} biases, expected {geometry.OutChannels}");
        Geometry = geometry; Weights = weights; Bias = bias; Relu = relu; Residual = residual;
    }

    public WindowGeometry Geometry { get; }
    /// <summary>The layer whose output (of this layer's shape) is added before the ReLU, or null.</summary>
    public int? Residual { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
    public bool Relu { get; }
    public override long MultiplyAdds =>
        (long)Geometry.OutputSize * Geometry.KernelHeight * Geometry.KernelWidth * Geometry.InChannels;

    /// <summary>Register-blocked SIMD GEMM over packed weights.</summary>
    internal override ManagedStep Managed(ManagedPlan plan)
    {
        var packed = new PackedConv2D(Weights, Bias, Geometry, Relu, plan.MaxBatch, plan.AllowAvx512);
        return Residual is null
            ? (inputs, output, batch) => packed.Run(inputs[0], output, batch)
            : (inputs, output, batch) => packed.Run(inputs[0], output, batch, inputs[1]);
    }

    /// <summary>
    /// On a GPU, whichever runs this layer fastest there: an implicit GEMM tiled in shared memory and
    /// registers (in one of its tile layouts) or the direct kernel, timed per batch size class; on
    /// ILGPU's CPU accelerator, which simulates the GEMM's barriers slowly, the direct kernel.
    /// </summary>
    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var (weights, bias, g) = (plan.Upload(Weights), plan.Upload(Bias), Geometry);
        bool relu = Relu && Residual is null; // with a residual, the ReLU follows the sum
        IlgpuStep conv;
        if (plan.PrefersTiledKernels)
        {
            var tuned = new TunedConvolution(plan.Kernel<ConvGemmKernel>(), plan.Kernel<Conv2DKernel>(), g,
                plan.Tactics(this, TunedConvolution.Default, TunedConvolution.All));
            conv = (stream, inputs, output, batch) => tuned.Launch(stream, batch, inputs[0], weights, bias, output, relu);
        }
        else
        {
            var direct = plan.Kernel<Conv2DKernel>();
            conv = (stream, inputs, output, batch) => direct.Launch(stream, batch, inputs[0], weights, bias, output, g, relu);
        }
        if (Residual is null) return conv;
        var add = plan.Kernel<AddKernel>();
        return (stream, inputs, output, batch) =>
        {
            conv(stream, inputs, output, batch);
            add.Launch(stream, batch * OutputShape.Size, output, inputs[1], output, Relu); // element-wise, so in place is safe
        };
    }

    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        var g = Geometry;
        if (!onnx.InputShape(0).IsImage) return false; // only a DenseLayer reads a flat tensor
        onnx.Graph.Initializer(onnx.Local("w"), [g.OutChannels, g.InChannels, g.KernelHeight, g.KernelWidth], OnnxWindow.HwioToOihw(Weights, g));
        onnx.Graph.Initializer(onnx.Local("b"), [Bias.Length], Bias);
        if (Residual is null)
        {
            onnx.NodeWithRelu("Conv", [onnx.Input(0), onnx.Local("w"), onnx.Local("b")], Relu, OnnxWindow.Attributes(g, group: 1));
            return true;
        }
        onnx.Node("Conv", [onnx.Input(0), onnx.Local("w"), onnx.Local("b")], onnx.Local("conv"), OnnxWindow.Attributes(g, group: 1));
        onnx.NodeWithRelu("Add", [onnx.Local("conv"), onnx.Input(1)], Relu);
        return true;
    }
}

/// <summary>
/// Fully connected layer on the flattened input (NHWC order), weights [inputs, units], bias and
/// optional ReLU. It is exactly a 1x1 convolution over a 1 x 1 x inputs tensor, and NHWC makes the
/// flattening free, so every backend runs it with its convolution code.
/// </summary>
internal sealed class DenseLayer(string name, int input, int inputs, int units, float[] weights, float[] bias, bool relu)
    : Conv2DLayer(name, input, new WindowGeometry(1, 1, inputs, units, 1, 1, 1, 1, Padding.Valid), weights, bias, relu)
{
    public int Units => units;

    /// <summary>
    /// A Gemm on the input flattened in our (NHWC) order: an image input, NCHW in ONNX, is
    /// transposed back to NHWC before the Flatten, so the weights need no reordering; the rows are
    /// reshaped to N x units x 1 x 1 after it.
    /// </summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        string source = onnx.Input(0);
        if (onnx.InputShape(0).IsImage)
        {
            onnx.Node("Transpose", [source], onnx.Local("nhwc"), OnnxGraph.Attribute("perm", [0, 2, 3, 1]));
            source = onnx.Local("nhwc");
        }
        onnx.Node("Flatten", [source], onnx.Local("flat"), OnnxGraph.Attribute("axis", 1));
        onnx.Graph.Initializer(onnx.Local("w"), [Geometry.InChannels, Units], Weights);
        onnx.Graph.Initializer(onnx.Local("b"), [Units], Bias);
        onnx.Node("Gemm", [onnx.Local("flat"), onnx.Local("w"), onnx.Local("b")], onnx.Local("gemm"));
        string rows = onnx.Local("gemm");
        if (Relu)
        {
            onnx.Node("Relu", [rows], onnx.Local("relu"));
            rows = onnx.Local("relu");
        }
        // Our output is a 1 x 1 x units image, which the exporter writes NCHW like every image.
        onnx.Graph.Initializer(onnx.Local("shape"), [-1, Units, 1, 1]);
        onnx.Node("Reshape", [rows, onnx.Local("shape")], onnx.Output);
        return true;
    }
}
