using System.Globalization;
using OpenCvSharp;
using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>Draws each face's box and "#track label p%" on the frame (smoothed when tracked), one colour per emotion (<see cref="Reports.EmotionPalette"/>).</summary>
internal static class FrameAnnotator
{
    public static void Draw(VideoFrame frame)
    {
        if (frame.Faces.Count == 0) return;
        using var image = frame.AsMat();
        int thickness = Math.Max(1, frame.Width / 320);
        double fontScale = Math.Max(0.4, frame.Width / 1280.0);
        foreach (var face in frame.Faces)
        {
            if (face.Display is not { } p) continue;
            var colour = Reports.EmotionPalette.Bgr(p.Label, p.LabelIndex);
            var box = new Rect(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height);
            Cv2.Rectangle(image, box, colour, thickness);
            string id = face.TrackId > 0 ? $"#{face.TrackId} " : "";
            string text = $"{id}{p.Label} {(p.Confidence * 100).ToString("0", CultureInfo.InvariantCulture)}%";
            var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
            // Label above the box, or inside its top when the box touches the frame's top edge.
            int top = box.Y - size.Height - baseline - 4 >= 0 ? box.Y - size.Height - baseline - 4 : box.Y;
            Cv2.Rectangle(image, new Rect(box.X, top, size.Width + 4, size.Height + baseline + 4), colour, -1);
            Cv2.PutText(image, text, new Point(box.X + 2, top + size.Height + 2), HersheyFonts.HersheySimplex, fontScale, Scalar.Black, thickness, LineTypes.AntiAlias);
        }
    }
}
