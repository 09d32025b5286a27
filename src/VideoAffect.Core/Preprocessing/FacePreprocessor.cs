using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Model;

namespace VideoAffect.Preprocessing;

/// <summary>
/// Cuts a face out of a grayscale frame and turns it into the network's input: resized (bilinear)
/// to the input size and scaled to [-1, 1] as x / 127.5 - 1, the normalisation the model was trained with.
/// </summary>
public sealed class FacePreprocessor : IDisposable
{
    readonly TensorShape _shape;
    readonly Mat _resized;
    readonly double _margin;

    /// <param name="margin">Fraction of the box size added on each side before cropping (0 = the detector's box).</param>
    public FacePreprocessor(TensorShape inputShape, double margin = 0)
    {
        if (inputShape.Channels != 1)
            throw new VideoAffectException($"the model takes {inputShape.Channels}-channel input; VideoAffect feeds grayscale faces (1 channel)");
        if (margin < 0 || margin > 1) throw new VideoAffectException($"crop margin must be between 0 and 1 (got {margin})");
        _shape = inputShape;
        _margin = margin;
        _resized = new Mat(inputShape.Height, inputShape.Width, MatType.CV_8UC1);
    }

    /// <summary>The crop actually used for a detected box: the box grown by the margin, clipped to the frame.</summary>
    public Rect CropFor(FaceBox box, int frameWidth, int frameHeight)
    {
        int dx = (int)Math.Round(box.Width * _margin), dy = (int)Math.Round(box.Height * _margin);
        int x0 = Math.Clamp(box.X - dx, 0, frameWidth - 1), y0 = Math.Clamp(box.Y - dy, 0, frameHeight - 1);
        int x1 = Math.Clamp(box.Right + dx, x0 + 1, frameWidth), y1 = Math.Clamp(box.Bottom + dy, y0 + 1, frameHeight);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>Writes one face's input tensor (<see cref="TensorShape.Size"/> floats) into <paramref name="destination"/>.</summary>
    public void Prepare(Mat gray, FaceBox box, Span<float> destination)
    {
        using var crop = new Mat(gray, CropFor(box, gray.Width, gray.Height));
        Cv2.Resize(crop, _resized, new Size(_shape.Width, _shape.Height), 0, 0, InterpolationFlags.Linear);
        Normalize(_resized, destination);
    }

    /// <summary>Treats a whole grayscale image as one face (classify --no-detect).</summary>
    public void PrepareWhole(Mat gray, Span<float> destination)
    {
        Cv2.Resize(gray, _resized, new Size(_shape.Width, _shape.Height), 0, 0, InterpolationFlags.Linear);
        Normalize(_resized, destination);
    }

    unsafe void Normalize(Mat pixels, Span<float> destination)
    {
        var span = new ReadOnlySpan<byte>((void*)pixels.Data, _shape.Size);
        for (int i = 0; i < span.Length; i++)
            destination[i] = span[i] / 127.5f - 1f;
    }

    public void Dispose() => _resized.Dispose();
}
