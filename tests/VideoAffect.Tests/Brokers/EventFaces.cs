using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// Checks a track's face as an event carries it against the clip itself: ffmpeg decodes the frame
/// of a record the face may come from, OpenCV crops the record's box and scales it to the picture's
/// size, and the two must correlate. The same crop half a face to the side must not: the check can
/// tell a face from its surroundings.
/// </summary>
static class EventFaces
{
    const double SameFace = 0.9, ShiftedFace = 0.75;

    /// <summary>The picture is the face of one of <paramref name="records"/> (a track's first classified, or its most confident).</summary>
    public static void AssertIsFaceOf(byte[] jpeg, string clip, IEnumerable<JsonElement> records, string folder)
    {
        using var face = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.False(face.Empty(), "the face is not a JPEG");
        Assert.Equal(96, face.Height);
        double best = 0, shifted = 0;
        foreach (var record in records)
        {
            int frame = record.GetProperty("frame").GetInt32();
            var box = record.GetProperty("box");
            var rect = new Rect(box.GetProperty("x").GetInt32(), box.GetProperty("y").GetInt32(), box.GetProperty("w").GetInt32(), box.GetProperty("h").GetInt32());
            using var picture = Frame(clip, frame, folder);
            double own = Similarity(face, picture, rect);
            if (own <= best) continue;
            best = own;
            var aside = rect with { X = rect.X + rect.Width / 2 };
            if (aside.Right > picture.Width) aside = rect with { X = rect.X - rect.Width / 2 };
            shifted = Similarity(face, picture, aside);
        }
        Assert.True(best > SameFace, $"the event's face is not the records' face (correlation {best:0.00})");
        Assert.True(shifted < ShiftedFace, $"the check cannot tell the face from half a face beside it (correlation {shifted:0.00})");
    }

    /// <summary>A track's first classified record: where a new event's face comes from.</summary>
    public static IEnumerable<JsonElement> FirstClassified(IEnumerable<JsonElement> track) => [Classified(track)[0]];

    /// <summary>A track's classified records of the highest confidence (ties within the records' rounding): where an end event's face comes from.</summary>
    public static IEnumerable<JsonElement> MostConfident(IEnumerable<JsonElement> track)
    {
        var classified = Classified(track);
        double top = classified.Max(Confidence);
        return classified.Where(r => Confidence(r) >= top - 1e-6);
    }

    static List<JsonElement> Classified(IEnumerable<JsonElement> track) => track.Where(r => r.GetProperty("classified").GetBoolean()).ToList();

    static double Confidence(JsonElement record) => record.GetProperty("confidence").GetDouble();

    /// <summary>Normalised correlation of the picture with the frame's crop scaled to its size.</summary>
    static double Similarity(Mat face, Mat frame, Rect rect)
    {
        using var crop = new Mat(frame, rect);
        using var expected = crop.Resize(new Size(face.Width, face.Height), 0, 0, InterpolationFlags.Area);
        using var match = new Mat();
        Cv2.MatchTemplate(face, expected, match, TemplateMatchModes.CCoeffNormed);
        Cv2.MinMaxLoc(match, out _, out double similarity);
        return similarity;
    }

    /// <summary>Frame <paramref name="index"/> (decoding order, as the records count) as ffmpeg decodes it.</summary>
    static Mat Frame(string clip, int index, string folder)
    {
        string png = Path.Combine(folder, $"frame-{index}.png");
        if (!File.Exists(png))
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-vf", $"select=eq(n\\,{index.ToString(CultureInfo.InvariantCulture)})",
                "-fps_mode", "passthrough", "-frames:v", "1", png);
        return Cv2.ImRead(png, ImreadModes.Color);
    }
}
