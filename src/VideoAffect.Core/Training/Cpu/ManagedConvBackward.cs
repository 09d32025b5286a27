using VideoAffect.Engine.Cpu;
using VideoAffect.Kernels;

namespace VideoAffect.Training.Cpu;

/// <summary>
/// A convolution's backward pass on the CPU, as SIMD row updates: every output pixel's gradient
/// vector (over output channels) is spread over the input (through the transposed weights) and
/// into the weight gradient (scaled by each input value). Zeros, which ReLU makes common in both
/// the gradients and the inputs, are skipped.
/// </summary>
static class ManagedConvBackward
{
    /// <summary>Input gradient; batch items in parallel, so no two threads write the same element.</summary>
    public static void Input(float[] outputGradient, float[] weights, float[] transposed, float[] inputGradient, int batch, WindowGeometry g)
    {
        int taps = g.KernelHeight * g.KernelWidth, cin = g.InChannels, cout = g.OutChannels;
        // [tap][cin][cout] -> [tap][cout][cin], so each output channel's weights are one contiguous row.
        for (int t = 0; t < taps; t++)
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    transposed[(t * cout + co) * cin + ci] = weights[(t * cin + ci) * cout + co];
        Array.Clear(inputGradient, 0, batch * g.InputSize);
        Parallel.For(0, batch, n =>
        {
            var dx = inputGradient.AsSpan(n * g.InputSize, g.InputSize);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    var dy = outputGradient.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * cout, cout);
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int iy = g.InputY(oy, ky), ix = g.InputX(ox, kx);
                            if (!g.InsideInput(iy, ix)) continue;
                            var row = dx.Slice((iy * g.InWidth + ix) * cin, cin);
                            int tap = ky * g.KernelWidth + kx;
                            for (int co = 0; co < cout; co++)
                                if (dy[co] != 0f) SimdMath.MultiplyAdd(row, transposed.AsSpan((tap * cout + co) * cin, cin), dy[co]);
                        }
                }
        });
    }

    /// <summary>
    /// Weight and bias gradients. Each worker sums a contiguous run of batch items into its own
    /// accumulator (small enough to stay in cache), then the accumulators are added.
    /// </summary>
    public static void Weights(float[] input, float[] outputGradient, float[] weightGradient, float[] biasGradient, int batch, WindowGeometry g)
    {
        int workers = Math.Min(batch, Environment.ProcessorCount);
        int cin = g.InChannels, cout = g.OutChannels;
        var partial = new float[workers][];
        Parallel.For(0, workers, w =>
        {
            var acc = partial[w] = new float[weightGradient.Length + cout];
            var dW = acc.AsSpan(0, weightGradient.Length);
            var dB = acc.AsSpan(weightGradient.Length, cout);
            int first = batch * w / workers, last = batch * (w + 1) / workers;
            for (int n = first; n < last; n++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        var dy = outputGradient.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * cout, cout);
                        SimdMath.MultiplyAdd(dB, dy, 1f);
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int iy = g.InputY(oy, ky), ix = g.InputX(ox, kx);
                                if (!g.InsideInput(iy, ix)) continue;
                                var x = input.AsSpan(g.InputOffset(n, iy, ix), cin);
                                int tapRow = (ky * g.KernelWidth + kx) * cin;
                                for (int ci = 0; ci < cin; ci++)
                                    if (x[ci] != 0f) SimdMath.MultiplyAdd(dW.Slice((tapRow + ci) * cout, cout), dy, x[ci]);
                            }
                    }
        });
        Array.Clear(weightGradient);
        Array.Clear(biasGradient);
        foreach (var acc in partial)
        {
            SimdMath.MultiplyAdd(weightGradient, acc.AsSpan(0, weightGradient.Length), 1f);
            SimdMath.MultiplyAdd(biasGradient, acc.AsSpan(weightGradient.Length, cout), 1f);
        }
    }
}
