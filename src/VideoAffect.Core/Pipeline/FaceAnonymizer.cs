using OpenCvSharp;

namespace VideoAffect.Pipeline;

/// <summary>
/// Hides a face on a BGR picture (<see cref="Anonymization"/>). The area hidden is the face box
/// widened by <see cref="Margin"/> on every side: a Haar box runs from the brows to the mouth, and
/// hair, ears and the jaw line tell who someone is as well.
/// </summary>
internal static class FaceAnonymizer
{
    /// <summary>Fraction of the box's width (height) added left and right (above and below).</summary>
    public const double Margin = 0.2;
    /// <summary>Blocks across and down a pixelated face.</summary>
    public const int Blocks = 8;
    /// <summary>The grey of <see cref="Anonymization.Fill"/>.</summary>
    public const byte FillGrey = 128;

    /// <summary>The area hidden for <paramref name="face"/>, within the picture; empty when none of it is.</summary>
    public static Rect AreaOf(FaceBox face, int width, int height)
    {
        int dx = (int)Math.Ceiling(face.Width * Margin), dy = (int)Math.Ceiling(face.Height * Margin);
        int left = Math.Max(0, face.X - dx), top = Math.Max(0, face.Y - dy);
        int right = Math.Min(width, face.Right + dx), bottom = Math.Min(height, face.Bottom + dy);
        return right > left && bottom > top ? new Rect(left, top, right - left, bottom - top) : default;
    }

    public static void Hide(Mat bgr, FaceBox face, Anonymization how)
    {
        if (how == Anonymization.None) return;
        var area = AreaOf(face, bgr.Width, bgr.Height);
        if (area.Width == 0) return;
        using var region = new Mat(bgr, area);
        switch (how)
        {
            case Anonymization.Pixelate: Pixelate(region); break;
            case Anonymization.Blur:
                // A sigma of a sixth of the face: features melt into the skin's colour. Run twice,
                // which is a blur of sqrt(2) times that, without a kernel wider than the face.
                double sigma = Math.Max(2, Math.Max(area.Width, area.Height) / 6.0);
                Cv2.GaussianBlur(region, region, new Size(0, 0), sigma, sigma, BorderTypes.Replicate);
                Cv2.GaussianBlur(region, region, new Size(0, 0), sigma, sigma, BorderTypes.Replicate);
                break;
            case Anonymization.Fill: region.SetTo(Scalar.All(FillGrey)); break;
        }
    }

    /// <summary>
    /// <see cref="Blocks"/> x <see cref="Blocks"/> blocks (fewer on an area narrower than that), block
    /// i spanning [i*W/Blocks, (i+1)*W/Blocks), each the rounded mean of its pixels, channel by channel.
    /// </summary>
    static unsafe void Pixelate(Mat region)
    {
        int w = region.Width, h = region.Height;
        int across = Math.Min(Blocks, w), down = Math.Min(Blocks, h);
        Span<byte> Row(int y) => new((void*)region.Ptr(y), w * 3);
        for (int by = 0; by < down; by++)
        {
            int y0 = by * h / down, y1 = (by + 1) * h / down;
            for (int bx = 0; bx < across; bx++)
            {
                int x0 = bx * w / across, x1 = (bx + 1) * w / across;
                long b = 0, g = 0, r = 0;
                for (int y = y0; y < y1; y++)
                {
                    var row = Row(y);
                    for (int x = x0; x < x1; x++) { b += row[3 * x]; g += row[3 * x + 1]; r += row[3 * x + 2]; }
                }
                long n = (long)(y1 - y0) * (x1 - x0);
                byte mb = (byte)((b + n / 2) / n), mg = (byte)((g + n / 2) / n), mr = (byte)((r + n / 2) / n);
                for (int y = y0; y < y1; y++)
                {
                    var row = Row(y);
                    for (int x = x0; x < x1; x++) { row[3 * x] = mb; row[3 * x + 1] = mg; row[3 * x + 2] = mr; }
                }
            }
        }
    }
}
