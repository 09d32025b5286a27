using OpenCvSharp;
using VideoAffect.Model;

namespace VideoAffect.Preprocessing;

/// <summary>
/// Cuts a face out of a frame and turns it into the network's input: resized (bilinear) to the
/// input size and normalised as the model's input spec says (x / 127.5 - 1 for the emotion CNN).
/// A gray model is given gray frames and a colour model BGR ones (<see cref="TakesColour"/>); a
/// frame of the other kind is converted crop by crop (FER-2013's gray faces for a colour model).
/// </summary>
internal sealed class FacePreprocessor : IDisposable
{
    readonly TensorShape _shape;
    readonly InputSpec _spec;
    readonly Mat _resized;
    readonly double _margin;

    /// <summary>A gray model scaled to [-1, 1] (the seed network's and the emotion CNN's input).</summary>
    public FacePreprocessor(TensorShape inputShape, double margin = 0) : this(InputSpec.SignedUnit(inputShape, PixelOrder.Gray), margin) { }

    /// <param name="input">The model's input: gray pixels, its size and its normalisation.</param>
    /// <param name="margin">Fraction of the box size added on each side before cropping (0 = the detector's box).</param>
    public FacePreprocessor(InputSpec input, double margin = 0)
    {
        var inputShape = input.Shape;
        input.Checked("the model");
        if (!(margin is >= 0 and <= 1)) throw new VideoAffectException($"crop margin must be between 0 and 1 (got {margin})");
        _spec = input;
        _shape = inputShape;
        _margin = margin;
        _resized = new Mat(inputShape.Height, inputShape.Width, input.Channels == 1 ? MatType.CV_8UC1 : MatType.CV_8UC3);
    }

    /// <summary>Whether the model takes colour: give it BGR frames (gray ones work, converted, but lose the colour).</summary>
    public bool TakesColour => _spec.Pixels != PixelOrder.Gray;

    /// <summary><paramref name="image"/> with the model's channel count: itself, or a converted copy to dispose.</summary>
    Mat Matched(Mat image, out bool converted)
    {
        converted = image.Channels() != _spec.Channels;
        if (!converted) return image;
        return image.CvtColor(_spec.Channels == 1 ? ColorConversionCodes.BGR2GRAY : ColorConversionCodes.GRAY2BGR);
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
        var source = Matched(crop, out bool converted);
        try { Cv2.Resize(source, _resized, new Size(_shape.Width, _shape.Height), 0, 0, InterpolationFlags.Linear); }
        finally { if (converted) source.Dispose(); }
        Normalize(_resized, destination);
    }

    /// <summary>
    /// The face turned upright: the crop (the box grown by the margin) is sampled rotated about its
    /// centre by the angle of the line from the image-left eye to the image-right eye, so that line
    /// is level in the network's input. Bilinear, like the plain crop; outside the frame is black.
    /// </summary>
    public void PrepareAligned(Mat gray, FaceBox box, Point2f leftEye, Point2f rightEye, Span<float> destination)
    {
        var crop = CropFor(box, gray.Width, gray.Height);
        double angle = Math.Atan2(rightEye.Y - leftEye.Y, rightEye.X - leftEye.X);
        double sx = (double)crop.Width / _shape.Width, sy = (double)crop.Height / _shape.Height;
        double cx = crop.X + crop.Width / 2.0, cy = crop.Y + crop.Height / 2.0, cos = Math.Cos(angle), sin = Math.Sin(angle);
        // Output pixel (u, v) samples the frame at centre + R(angle) * ((u, v) + 0.5 - size / 2) * scale - 0.5.
        double u0 = 0.5 - _shape.Width / 2.0, v0 = 0.5 - _shape.Height / 2.0;
        using var map = new Mat(2, 3, MatType.CV_64FC1);
        map.Set(0, 0, cos * sx); map.Set(0, 1, -sin * sy); map.Set(0, 2, cx + cos * sx * u0 - sin * sy * v0 - 0.5);
        map.Set(1, 0, sin * sx); map.Set(1, 1, cos * sy); map.Set(1, 2, cy + sin * sx * u0 + cos * sy * v0 - 0.5);
        var source = Matched(gray, out bool converted);
        try { Cv2.WarpAffine(source, _resized, map, new Size(_shape.Width, _shape.Height), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0)); }
        finally { if (converted) source.Dispose(); }
        Normalize(_resized, destination);
    }

    /// <summary>Treats a whole grayscale image as one face (classify --no-detect).</summary>
    public void PrepareWhole(Mat gray, Span<float> destination)
    {
        var source = Matched(gray, out bool converted);
        try { Cv2.Resize(source, _resized, new Size(_shape.Width, _shape.Height), 0, 0, InterpolationFlags.Linear); }
        finally { if (converted) source.Dispose(); }
        Normalize(_resized, destination);
    }

    /// <summary>Levels to model values, channels in the model's order (OpenCV's pixels are BGR).</summary>
    unsafe void Normalize(Mat pixels, Span<float> destination)
    {
        var span = new ReadOnlySpan<byte>((void*)pixels.Data, _shape.Size);
        if (_spec.Pixels != PixelOrder.Rgb)
        {
            for (int i = 0; i < span.Length; i++)
                destination[i] = _spec.Normalise(span[i]);
            return;
        }
        for (int i = 0; i < span.Length; i += 3)
        {
            destination[i] = _spec.Normalise(span[i + 2]);
            destination[i + 1] = _spec.Normalise(span[i + 1]);
            destination[i + 2] = _spec.Normalise(span[i]);
        }
    }

    public void Dispose() => _resized.Dispose();
}
