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
    /// <summary>Grey, as something switched off: the zones' outlines and words.</summary>
    static readonly Scalar ZoneColour = new(160, 160, 160);

    /// <summary>Hides every face found on the frame, the reported ones and those that are not (<see cref="VideoFrame.Uncounted"/>).</summary>
    public static void Anonymize(VideoFrame frame, Anonymization how)
    {
        if (how == Anonymization.None || frame.Faces.Count + frame.Uncounted.Count == 0) return;
        using var image = frame.AsMat();
        foreach (var face in frame.Faces) FaceAnonymizer.Hide(image, face.Box, how);
        foreach (var box in frame.Uncounted) FaceAnonymizer.Hide(image, box, how);
    }

    public static void Draw(VideoFrame frame, IReadOnlyList<Detection.FaceZone>? zones = null)
    {
        if (frame.Faces.Count == 0 && zones is not { Count: > 0 }) return;
        using var image = frame.AsMat();
        if (zones is { Count: > 0 }) DrawZones(image, zones);
        Draw(image, frame.Faces.Where(f => f.Display is not null).Select(f => (f.Box, f.Display!, f.TrackId)));
    }

    /// <summary>
    /// Each zone's outline, with "ignored" or "only here" below its top corner, under the faces, so
    /// whoever placed a zone sees in the video and the live preview what it covers.
    /// </summary>
    static void DrawZones(Mat image, IReadOnlyList<Detection.FaceZone> zones)
    {
        int thickness = Math.Max(1, image.Width / 320);
        double fontScale = Math.Max(0.4, image.Width / 1280.0);
        foreach (var zone in zones)
        {
            var corners = zone.PixelsOn(image.Width, image.Height).Select(c => new Point(c.X, c.Y)).ToArray();
            Cv2.Polylines(image, [corners], isClosed: true, ZoneColour, thickness);
            string word = zone.Kind == Detection.ZoneKind.Ignore ? "ignored" : "only here";
            var size = Cv2.GetTextSize(word, HersheyFonts.HersheySimplex, fontScale, thickness, out _);
            var top = corners.OrderBy(c => c.Y).ThenBy(c => c.X).First();
            var at = new Point(Math.Clamp(top.X + thickness + 2, 0, Math.Max(0, image.Width - size.Width)),
                Math.Clamp(top.Y + thickness + size.Height + 2, size.Height, image.Height - 1));
            Cv2.PutText(image, word, at, HersheyFonts.HersheySimplex, fontScale, ZoneColour, thickness, LineTypes.AntiAlias);
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
