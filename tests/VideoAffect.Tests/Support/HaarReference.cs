using OpenCvSharp;
using VideoAffect.Detection;

namespace VideoAffect.Tests.Support;

/// <summary>OpenCV's own cascade and helpers to compare our detectors' boxes with it.</summary>
static class HaarReference
{
    /// <summary>A photo resized (area) to a width and made gray, as the detector tests feed them.</summary>
    public static Mat Gray(string path, int width)
    {
        using var color = Cv2.ImRead(path, ImreadModes.Color);
        using var small = color.Resize(new Size(width, (int)Math.Round(color.Height * (double)width / color.Width)), 0, 0, InterpolationFlags.Area);
        return small.CvtColor(ColorConversionCodes.BGR2GRAY);
    }

    /// <summary>OpenCV's detectMultiScale with the same settings; minNeighbors 0 gives the raw candidates.</summary>
    public static List<FaceBox> OpenCv(Mat gray, DetectorOptions options, int minNeighbors)
    {
        using var cascade = new CascadeClassifier(options.CascadePath);
        var max = options.MaxFaceSize > 0 ? new Size(options.MaxFaceSize, options.MaxFaceSize) : (Size?)null;
        return cascade.DetectMultiScale(gray, options.ScaleFactor, minNeighbors, default, new Size(options.MinFaceSize, options.MinFaceSize), max)
            .Select(r => new FaceBox(r.X, r.Y, r.Width, r.Height)).ToList();
    }

    public static string Describe(IEnumerable<FaceBox> boxes) => string.Join(" ", boxes.Select(b => $"({b.X},{b.Y},{b.Width}x{b.Height})"));

    public static List<FaceBox> Sorted(IEnumerable<FaceBox> boxes) => boxes.OrderBy(b => b.Width).ThenBy(b => b.Y).ThenBy(b => b.X).ToList();
}
