using VideoAffect.Kernels;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// A depthwise convolution and the 1x1 convolution that alone reads it (the separable blocks of
/// MobileNet and BlazeFace), run together band by band: each worker computes a few depthwise rows
/// into a buffer that stays in its L1 cache and at once runs the pointwise convolution (with its
/// residual and ReLU) over them. Run one after the other, BlazeFace's 128x128x24 pairs write and
/// read back a 12 MB intermediate per batch of 8 (together: 0-12% faster in one-off comparisons on
/// a 2-core VM, more where memory is slower than its large cache, and no buffer for that layer).
/// </summary>
sealed unsafe class DepthwisePointwise : IDisposable
{
    /// <summary>Depthwise rows per band are chosen so the band buffer stays within this many bytes.</summary>
    const int BandBytes = 32 * 1024;
    readonly WindowGeometry _g;
    readonly PackedDepthwiseConv2D _depthwise;
    readonly PackedConv2D _pointwise;
    readonly int _bandRows, _outChannels;
    /// <summary>One band buffer per worker thread, allocated on its first band and kept.</summary>
    readonly ThreadLocal<float[]> _bands;

    DepthwisePointwise(DepthwiseConv2DLayer depthwise, PackedConv2D pointwise, int outChannels, bool allowAvx512)
    {
        _g = depthwise.Geometry;
        _depthwise = new PackedDepthwiseConv2D(depthwise.Weights, depthwise.Bias, _g, depthwise.Relu, allowAvx512);
        (_pointwise, _outChannels) = (pointwise, outChannels);
        int rowBytes = _g.OutWidth * _g.OutChannels * sizeof(float);
        _bandRows = Math.Clamp(BandBytes / rowBytes, 1, _g.OutHeight);
        _bands = new ThreadLocal<float[]>(() => new float[_bandRows * _g.OutWidth * _g.OutChannels]);
    }

    /// <summary>The pair run together, or null where the second convolution is not pointwise (1x1, stride 1, no padding).</summary>
    public static DepthwisePointwise? TryCreate(DepthwiseConv2DLayer depthwise, Conv2DLayer pointwise, ManagedPlan plan)
    {
        var g = pointwise.Geometry;
        if (g.InHeight != depthwise.Geometry.OutHeight || g.InWidth != depthwise.Geometry.OutWidth || g.InChannels != depthwise.Geometry.OutChannels) return null;
        var packed = new PackedConv2D(pointwise.Weights, pointwise.Bias, g, pointwise.Relu, plan.MaxBatch, plan.AllowAvx512);
        return packed.Pointwise ? new DepthwisePointwise(depthwise, packed, g.OutChannels, plan.AllowAvx512) : null;
    }

    /// <param name="input">The depthwise convolution's input.</param>
    /// <param name="output">The pointwise convolution's output.</param>
    /// <param name="residual">Added to the pointwise output before its ReLU, or null.</param>
    public void Run(float[] input, float[] output, int batch, float[]? residual)
    {
        var g = _g;
        int bands = (g.OutHeight + _bandRows - 1) / _bandRows, outChannels = _outChannels;
        Parallel.For(0, batch * bands, item =>
        {
            int n = item / bands, first = item % bands * _bandRows, rows = Math.Min(_bandRows, g.OutHeight - first);
            var band = _bands.Value!;
            long offset = ((long)n * g.OutHeight + first) * g.OutWidth * outChannels;
            fixed (float* x = input, y = output, r = residual, t = band)
            {
                _depthwise.Rows(x + (long)n * g.InputSize, t, first, rows);
                _pointwise.RunBand(t, rows * g.OutWidth, y + offset, r == null ? null : r + offset);
            }
        });
    }

    public void Dispose() => _bands.Dispose();
}
