using OpenCvSharp;
using VideoAffect.Engine;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// Where a frame sits in the detector's square input: scaled to fit with its aspect kept, centred,
/// the rest padded black (as MediaPipe and human's "square" option do), so a face keeps its shape.
/// </summary>
internal readonly record struct Letterbox(int FrameWidth, int FrameHeight, int Width, int Height, int PadX, int PadY)
{
    public static Letterbox For(int frameWidth, int frameHeight, int size)
    {
        double scale = Math.Min((double)size / frameWidth, (double)size / frameHeight);
        int width = Math.Clamp((int)Math.Round(frameWidth * scale), 1, size), height = Math.Clamp((int)Math.Round(frameHeight * scale), 1, size);
        return new Letterbox(frameWidth, frameHeight, width, height, (size - width) / 2, (size - height) / 2);
    }

    public float FrameX(float x) => (x - PadX) * FrameWidth / Width;
    public float FrameY(float y) => (y - PadY) * FrameHeight / Height;
}

/// <summary>
/// The host side of the letterbox: an 8-bit BGR frame to the model's input values (bilinear
/// resize, the model's channel order and normalisation, padding as normalised black). Its
/// buffers are kept between frames.
/// </summary>
internal sealed class LetterboxImage : IDisposable
{
    readonly Mat _resized = new();

    public unsafe Letterbox Fill(ReadOnlySpan<byte> bgr, int width, int height, InputSpec spec, Span<float> destination)
    {
        int size = spec.Shape.Height;
        var box = Letterbox.For(width, height, size);
        fixed (byte* pixels = bgr)
        {
            using var frame = Mat.FromPixelData(height, width, MatType.CV_8UC3, (IntPtr)pixels);
            Cv2.Resize(frame, _resized, new Size(box.Width, box.Height), 0, 0, InterpolationFlags.Linear);
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
