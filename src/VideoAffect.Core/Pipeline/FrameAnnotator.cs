using System.Globalization;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>
/// Draws each face's box and "#track label p%" (smoothed when tracked), one colour per emotion
/// (<see cref="Reports.EmotionPalette"/>): on video frames, and on the photos `classify --annotate`
/// writes, so both look the same.
/// </summary>
internal static class FrameAnnotator
{
    /// <summary>Grey, as something switched off: the ignore zones' outline and word.</summary>
    static readonly Scalar ZoneColour = new(160, 160, 160);

    public static void Draw(VideoFrame frame, IReadOnlyList<Detection.IgnoreZone>? zones = null)
    {
        if (frame.Faces.Count == 0 && zones is not { Count: > 0 }) return;
        using var image = frame.AsMat();
        if (zones is { Count: > 0 }) DrawZones(image, zones);
        Draw(image, frame.Faces.Where(f => f.Display is not null).Select(f => (f.Box, f.Display!, f.TrackId)));
    }

    /// <summary>
    /// Each ignore zone's outline and "ignored" in its corner, under the faces, so whoever placed a
    /// zone sees in the video and the live preview what it covers.
    /// </summary>
    static void DrawZones(Mat image, IReadOnlyList<Detection.IgnoreZone> zones)
    {
        int thickness = Math.Max(1, image.Width / 320);
        double fontScale = Math.Max(0.4, image.Width / 1280.0);
        foreach (var zone in zones)
        {
            var (x, y, w, h) = zone.PixelsOn(image.Width, image.Height);
            if (w == 0 || h == 0) continue;
            Cv2.Rectangle(image, new Rect(x, y, w, h), ZoneColour, thickness);
            var size = Cv2.GetTextSize("ignored", HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
            Cv2.PutText(image, "ignored", new Point(x + thickness + 2, y + thickness + size.Height + 2), HersheyFonts.HersheySimplex, fontScale, ZoneColour, thickness, LineTypes.AntiAlias);
        }
    }

    /// <summary>Draws on a BGR image; a track id of 0 is not shown (an untracked face).</summary>
    public static void Draw(Mat image, IEnumerable<(FaceBox Box, EmotionPrediction Prediction, int TrackId)> faces)
    {
        int thickness = Math.Max(1, image.Width / 320);
        double fontScale = Math.Max(0.4, image.Width / 1280.0);
        foreach (var (face, p, trackId) in faces)
        {
            var colour = Reports.EmotionPalette.Bgr(p.Label, p.LabelIndex);
            var box = new Rect(face.X, face.Y, face.Width, face.Height);
            Cv2.Rectangle(image, box, colour, thickness);
            string id = trackId > 0 ? $"#{trackId} " : "";
            string text = $"{id}{p.Label} {(p.Confidence * 100).ToString("0", CultureInfo.InvariantCulture)}%";
            var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
            // Label above the box, or inside its top when the box touches the image's top edge.
            int top = box.Y - size.Height - baseline - 4 >= 0 ? box.Y - size.Height - baseline - 4 : box.Y;
            Cv2.Rectangle(image, new Rect(box.X, top, size.Width + 4, size.Height + baseline + 4), colour, -1);
            Cv2.PutText(image, text, new Point(box.X + 2, top + size.Height + 2), HersheyFonts.HersheySimplex, fontScale, Scalar.Black, thickness, LineTypes.AntiAlias);
        }
    }
}
