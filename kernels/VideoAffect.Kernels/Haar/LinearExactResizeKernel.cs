using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// One source offset and its two 8.8 fixed-point weights along one axis of a resize: the output
/// takes source[Offset] * Weight0 + source[Offset + 1] * Weight1 (Weight0 + Weight1 = 256; at the
/// edges Weight1 is 0 and the second tap is never read).
/// </summary>
internal readonly record struct ResizeTap(int Offset, int Weight0, int Weight1);

/// <summary>
/// OpenCV's bit-exact bilinear resize of an 8-bit image (INTER_LINEAR_EXACT), the resize its
/// cascade detector uses for the image pyramid: per-axis taps with 8-bit weights computed on the
/// host (<c>LinearExactResizeTaps</c>), one rounded 16-bit product per pixel here, so the result
/// equals OpenCV's to the bit. An exact 2x reduction is OpenCV's 2x2 average instead, as there.
/// One launch makes every level of the atlas, each from the full-size source as OpenCV does.
/// </summary>
internal sealed class LinearExactResizeKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, int, ArrayView<ResizeTap>, ArrayView<AtlasLevel>, ArrayView<byte>> _kernel;

    public LinearExactResizeKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, int, ArrayView<ResizeTap>, ArrayView<AtlasLevel>, ArrayView<byte>>(Execute);

    /// <param name="taps">Every level's column and row taps, where its <see cref="AtlasLevel"/> says.</param>
    /// <param name="levels">The atlas's levels on the device.</param>
    /// <param name="images">The level images, <paramref name="atlas"/>.Pixels bytes.</param>
    public void Launch(AcceleratorStream stream, ArrayView<byte> source, int sourceWidth, ArrayView<ResizeTap> taps,
        PyramidAtlas atlas, ArrayView<AtlasLevel> levels, ArrayView<byte> images)
    {
        if (atlas.Pixels > 0) _kernel(stream, atlas.Pixels, source, sourceWidth, taps, levels, images);
    }

    static void Execute(Index1D index, ArrayView<byte> source, int sourceWidth, ArrayView<ResizeTap> taps, ArrayView<AtlasLevel> levels, ArrayView<byte> images)
    {
        var level = levels[PyramidAtlas.LevelOf(levels, index, AtlasPass.Pixels)];
        int pixel = index - level.Pixels;
        int y = pixel / level.Width, x = pixel % level.Width;
        if (level.Halve != 0)
        {
            int o = 2 * y * sourceWidth + 2 * x;
            images[index] = (byte)((source[o] + source[o + 1] + source[o + sourceWidth] + source[o + sourceWidth + 1] + 2) >> 2);
            return;
        }
        var c = taps[level.ColumnTaps + x];
        var r = taps[level.RowTaps + y];
        int top = Row(source, r.Offset * sourceWidth, c);
        int bottom = r.Weight1 == 0 ? 0 : Row(source, (r.Offset + 1) * sourceWidth, c);
        images[index] = (byte)((top * r.Weight0 + bottom * r.Weight1 + (1 << 15)) >> 16);
    }

    static int Row(ArrayView<byte> source, int rowStart, ResizeTap c)
    {
        int v = source[rowStart + c.Offset] * c.Weight0;
        return c.Weight1 == 0 ? v : v + source[rowStart + c.Offset + 1] * c.Weight1;
    }
}
