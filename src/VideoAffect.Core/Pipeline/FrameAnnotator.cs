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
    public static void Draw(VideoFrame frame)
    {
        if (frame.Faces.Count == 0) return;
        using var image = frame.AsMat();
        Draw(image, frame.Faces.Where(f => f.Display is not null).Select(f => (f.Box, f.Display!, f.TrackId)));
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
