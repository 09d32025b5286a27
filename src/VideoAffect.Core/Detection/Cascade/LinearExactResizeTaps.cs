using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Cascade;

/// <summary>
/// The per-axis taps of OpenCV's INTER_LINEAR_EXACT resize, computed as OpenCV does: source
/// position (d + 0.5) * scale - 0.5 with scale = 1 / (destination / source) in double, the
/// fraction rounded (half to even) to 8 bits, positions left of the first pixel or right of the
/// last one taking that pixel.
/// </summary>
internal static class LinearExactResizeTaps
{
    public static ResizeTap[] For(int source, int destination)
    {
        double scale = 1.0 / ((double)destination / source);
        var taps = new ResizeTap[destination];
        for (int d = 0; d < destination; d++)
        {
            double position = scale * (d + 0.5) - 0.5;
            int offset = (int)Math.Floor(position);
            if (offset < 0 || source <= 1) taps[d] = new ResizeTap(0, 256, 0);
            else if (offset >= source - 1) taps[d] = new ResizeTap(source - 1, 256, 0);
            else
            {
                int weight1 = (int)Math.Round((position - offset) * 256);
                taps[d] = new ResizeTap(offset, 256 - weight1, weight1);
            }
        }
        return taps;
    }

    /// <summary>OpenCV replaces an exact 2x reduction in both directions by its 2x2 average (INTER_AREA's fast path).</summary>
    public static bool IsExactHalving(int sourceWidth, int sourceHeight, int width, int height) =>
        sourceWidth == 2 * width && sourceHeight == 2 * height;
}
