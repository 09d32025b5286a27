using OpenCvSharp;
using VideoAffect.Engine;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// Where a frame sits in the detector's square input: scaled to fit with its aspect kept, centred,
/// the rest padded black (as MediaPipe and human's "square" option do), so a face keeps its shape.
/// </summary>
/// <remarks>A view may be a region (a tile) of the frame: <see cref="Region"/> is where it lies in the frame.</remarks>
internal readonly record struct Letterbox(Rect Region, int Width, int Height, int PadX, int PadY)
{
    public static Letterbox For(Rect region, int size)
    {
        double scale = Math.Min((double)size / region.Width, (double)size / region.Height);
        int width = Math.Clamp((int)Math.Round(region.Width * scale), 1, size), height = Math.Clamp((int)Math.Round(region.Height * scale), 1, size);
        return new Letterbox(region, width, height, (size - width) / 2, (size - height) / 2);
    }

    public float FrameX(float x) => Region.X + (x - PadX) * Region.Width / Width;
    public float FrameY(float y) => Region.Y + (y - PadY) * Region.Height / Height;
}

/// <summary>
/// The host side of the letterbox: an 8-bit BGR frame to the model's input values (bilinear
/// resize, the model's channel order and normalisation, padding as normalised black). Its
/// buffers are kept between frames.
/// </summary>
internal sealed class LetterboxImage : IDisposable
{
    readonly Mat _resized = new();

    public Letterbox Fill(ReadOnlySpan<byte> bgr, int width, int height, InputSpec spec, Span<float> destination) =>
        Fill(bgr, width, height, new Rect(0, 0, width, height), spec, destination);

    /// <summary>The view of <paramref name="region"/> of the frame (all of it, or one tile).</summary>
    public unsafe Letterbox Fill(ReadOnlySpan<byte> bgr, int width, int height, Rect region, InputSpec spec, Span<float> destination)
    {
        int size = spec.Shape.Height;
        var box = Letterbox.For(region, size);
        fixed (byte* pixels = bgr)
        {
            using var frame = Mat.FromPixelData(height, width, MatType.CV_8UC3, (IntPtr)pixels);
            using var view = frame[region];
            Cv2.Resize(view, _resized, new Size(box.Width, box.Height), 0, 0, InterpolationFlags.Linear);
        }
        float black = spec.Normalise(0f);
        destination[..spec.Shape.Size].Fill(black);
        bool rgb = spec.Pixels == PixelOrder.Rgb;
        var source = new ReadOnlySpan<byte>((void*)_resized.Data, box.Width * box.Height * 3);
        for (int y = 0; y < box.Height; y++)
        {
            var row = source.Slice(y * box.Width * 3, box.Width * 3);
            var target = destination.Slice(((y + box.PadY) * size + box.PadX) * 3, box.Width * 3);
            for (int x = 0; x < row.Length; x += 3)
            {
                target[x] = spec.Normalise(row[rgb ? x + 2 : x]);
                target[x + 1] = spec.Normalise(row[x + 1]);
                target[x + 2] = spec.Normalise(row[rgb ? x : x + 2]);
            }
        }
        return box;
    }

    public void Dispose() => _resized.Dispose();
}
