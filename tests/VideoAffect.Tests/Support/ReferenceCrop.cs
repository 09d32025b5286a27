using VideoAffect.Detection;

namespace VideoAffect.Tests.Support;

/// <summary>
/// The network's preprocessing in float64 on a grayscale frame made by OpenCV's cvtColor:
/// INTER_LINEAR resize as OpenCV defines it (source = (dst + 0.5) * scale - 0.5, clamped at the
/// crop's edges) without rounding to 8 bits, then x / 127.5 - 1.
/// </summary>
static class ReferenceCrop
{
    public static double[] Prepare(byte[] gray, int frameWidth, FaceBox crop, int height, int width)
    {
        var result = new double[height * width];
        for (int oy = 0; oy < height; oy++)
        {
            var (y0, y1, fy) = Sample(crop.Height, height, oy);
            for (int ox = 0; ox < width; ox++)
            {
                var (x0, x1, fx) = Sample(crop.Width, width, ox);
                double Gray(int y, int x) => gray[(crop.Y + y) * frameWidth + crop.X + x];
                double top = Gray(y0, x0) * (1 - fx) + Gray(y0, x1) * fx;
                double bottom = Gray(y1, x0) * (1 - fx) + Gray(y1, x1) * fx;
                result[oy * width + ox] = (top * (1 - fy) + bottom * fy) / 127.5 - 1;
            }
        }
        return result;
    }

    static (int I0, int I1, double Fraction) Sample(int source, int target, int o)
    {
        double s = (o + 0.5) * source / target - 0.5;
        int i0 = (int)Math.Floor(s);
        double f = s - i0;
        if (i0 < 0) { i0 = 0; f = 0; }
        if (i0 >= source - 1) { i0 = source - 1; f = 0; }
        return (i0, Math.Min(i0 + 1, source - 1), f);
    }
}
