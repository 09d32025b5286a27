using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>What a sliding-window layer does at each output pixel; a struct so the JIT specialises the walk per op.</summary>
interface IWindowOp
{
    /// <summary>Starts the output pixel's channels (bias, or -inf for a max).</summary>
    void Begin(Span<float> pixel);
    /// <summary>Folds in the input pixel under window tap (ky, kx); <paramref name="tap"/> = ky * kw + kx.</summary>
    void Accumulate(Span<float> pixel, ReadOnlySpan<float> input, int tap);
    /// <summary>Finishes output pixel (<paramref name="oy"/>, <paramref name="ox"/>); an average needs to know where its window lay.</summary>
    void End(Span<float> pixel, int oy, int ox);
}

/// <summary>Walks every output pixel of an NHWC windowed layer, rows in parallel, skipping padded taps.</summary>
static class WindowedOp
{
    public static void Run<TOp>(float[] input, float[] output, int batch, WindowGeometry g, TOp op) where TOp : struct, IWindowOp
    {
        Parallel.For(0, batch * g.OutHeight, row =>
        {
            int n = row / g.OutHeight, oy = row % g.OutHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var pixel = output.AsSpan(((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels, g.OutChannels);
                op.Begin(pixel);
                for (int ky = 0; ky < g.KernelHeight; ky++)
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int iy = g.InputY(oy, ky), ix = g.InputX(ox, kx);
                        if (!g.InsideInput(iy, ix)) continue;
                        op.Accumulate(pixel, input.AsSpan(g.InputOffset(n, iy, ix), g.InChannels), ky * g.KernelWidth + kx);
                    }
                op.End(pixel, oy, ox);
            }
        });
    }
}
