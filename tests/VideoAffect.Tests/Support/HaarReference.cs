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

    /// <summary>The boxes of one frame's records (JSON lines) are OpenCV's faces, with the seed's settings, on that frame's picture; OpenCV finds at least one.</summary>
    public static void AssertRecordedFacesAreOpenCvs(Mat gray, IEnumerable<System.Text.Json.JsonElement> records, int frame)
    {
        var openCv = OpenCv(gray, new DetectorOptions(), minNeighbors: 5);
        Assert.NotEmpty(openCv);
        var ours = records.Where(r => r.GetProperty("frame").GetInt32() == frame).Select(r => r.GetProperty("box"))
            .Select(b => new FaceBox(b.GetProperty("x").GetInt32(), b.GetProperty("y").GetInt32(), b.GetProperty("w").GetInt32(), b.GetProperty("h").GetInt32()));
        Assert.Equal(Describe(Sorted(openCv)), Describe(Sorted(ours)));
    }

    public static string Describe(IEnumerable<FaceBox> boxes) => string.Join(" ", boxes.Select(b => $"({b.X},{b.Y},{b.Width}x{b.Height})"));

    public static List<FaceBox> Sorted(IEnumerable<FaceBox> boxes) => boxes.OrderBy(b => b.Width).ThenBy(b => b.Y).ThenBy(b => b.X).ToList();
}
