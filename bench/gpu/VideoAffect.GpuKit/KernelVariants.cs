using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Engine;
using VideoAffect.Kernels;

namespace VideoAffect.GpuKit;

/// <summary>
/// Every kernel variant a layer's tactic timer may choose, on the GPU, against the one the tests
/// hold as the reference on the CPU accelerator: each convolution by the direct kernel against the
/// strided GEMM, each depthwise layer with four channels a thread against one. The network checks
/// verify only the tactics chosen at the batches they run; this verifies the others, which another
/// batch class (or GPU) may choose. On the layer's own geometry with made-up data, at a small batch.
/// </summary>
static class KernelVariants
{
    public sealed record Agreement(int Layer, string Name, string Variant, string Reference, double Difference);

    /// <param name="maxLayers">layers of each kind checked at most, first first (the dry run checks one)</param>
    public static List<Agreement> Run(Accelerator accelerator, Network network, int batch, int maxLayers = int.MaxValue)
    {
        var gemm = new ConvGemmKernel(accelerator);
        var direct = new Conv2DKernel(accelerator);
        var depthwise = new DepthwiseConv2DKernel(accelerator);
        var stream = accelerator.DefaultStream;
        var agreements = new List<Agreement>();
        int convolutions = 0, depthwiseLayers = 0;
        for (int i = 1; i < network.Layers.Count; i++)
        {
            if (network.Layers[i] is Conv2DLayer conv && convolutions++ < maxLayers)
            {
                var g = conv.Geometry;
                agreements.Add(Compare(accelerator, stream, i, $"{conv.Op} {conv.OutputShape}", "direct kernel", "strided GEMM", batch * g.InputSize, conv.Weights, conv.Bias, batch * g.OutputSize,
                    (input, weights, bias, output) => direct.Launch(stream, batch, input, weights, bias, output, g, conv.Relu),
                    (input, weights, bias, output) => gemm.Launch(stream, batch, input, weights, bias, output, g, conv.Relu, layout: TileLayout.Strided)));
            }
            else if (network.Layers[i] is DepthwiseConv2DLayer dw && DepthwiseConv2DKernel.TakesFourChannels(dw.Geometry) && depthwiseLayers++ < maxLayers)
            {
                var g = dw.Geometry;
                agreements.Add(Compare(accelerator, stream, i, $"{dw.Op} {dw.OutputShape}", "four channels a thread", "one", batch * g.InputSize, dw.Weights, dw.Bias, batch * g.OutputSize,
                    (input, weights, bias, output) => depthwise.Launch(stream, batch, input, weights, bias, output, g, dw.Relu, fourChannels: true),
                    (input, weights, bias, output) => depthwise.Launch(stream, batch, input, weights, bias, output, g, dw.Relu, fourChannels: false)));
            }
        }
        return agreements;
    }

    delegate void Launch(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output);

    static Agreement Compare(Accelerator accelerator, AcceleratorStream stream, int layer, string name, string variant, string reference,
        long inputs, float[] weightValues, float[] biasValues, long outputs, Launch launchVariant, Launch launchReference)
    {
        var values = new float[inputs];
        for (long i = 0; i < inputs; i++) values[i] = (i * 7919 % 23 - 11) / 16f;
        using var input = accelerator.Allocate1D(values);
        using var weights = accelerator.Allocate1D(weightValues);
        using var bias = accelerator.Allocate1D(biasValues);
        using var output = accelerator.Allocate1D<float>(Math.Max(1, outputs));
        launchReference(input.View, weights.View, bias.View, output.View);
        var expected = output.GetAsArray1D(stream);
        output.MemSetToZero(stream);
        launchVariant(input.View, weights.View, bias.View, output.View);
        var actual = output.GetAsArray1D(stream);
        double largest = Math.Max(1e-30, expected.Max(MathF.Abs));
        return new Agreement(layer, name, variant, reference, expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() / largest);
    }
}
