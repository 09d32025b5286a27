using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>One Adam update of a parameter tensor and its moments, one thread per element.</summary>
internal sealed class AdamKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep> _kernel;

    public AdamKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep>(Execute);

    public void Launch(AcceleratorStream stream, ArrayView<float> weights, ArrayView<float> gradients,
        ArrayView<float> mean, ArrayView<float> variance, AdamStep step) =>
        _kernel(stream, (int)weights.Length, weights, gradients, mean, variance, step);

    static void Execute(Index1D i, ArrayView<float> weights, ArrayView<float> gradients, ArrayView<float> mean, ArrayView<float> variance, AdamStep step)
    {
        var next = new AdamState(weights[i], mean[i], variance[i]).Update(gradients[i], step);
        weights[i] = next.Weight;
        mean[i] = next.Mean;
        variance[i] = next.Variance;
    }
}
