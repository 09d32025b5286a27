using OpenCvSharp;
using VideoAffect.Media;

namespace VideoAffect.Reports;

/// <summary>
/// Each track's face at its most confident classification, as a small JPEG: what the report shows
/// beside a track, and what a live stream serves at /streams/NAME/tracks/ID.jpg, so that a webhook
/// or MQTT event's receiver can show who felt what. Taken from the frame before anything is drawn
/// on it; a run that anonymizes faces keeps none. A live stream keeps its most recent
/// <paramref name="capacity"/> tracks, as a camera's tracks never stop coming.
/// </summary>
internal sealed class TrackFaces(int capacity = int.MaxValue)
{
    /// <summary>How many of a stream's most recent tracks keep their face where tracks never stop coming (a camera, events of a long file).</summary>
    public const int RecentTracks = 256;
    /// <summary>Thumbnail height in pixels.</summary>
    public const int Height = 96;
    readonly object _gate = new();
    readonly Dictionary<int, (byte[] Jpeg, float Confidence, long Frame)> _best = new();
    long _frames;

    /// <summary>Keeps the crops of this frame's tracked faces that are their tracks' most confident yet.</summary>
    public void Offer(VideoFrame frame)
    {
        long seen = ++_frames;
        foreach (var face in frame.Faces)
        {
            if (face.TrackId == 0 || !face.Classified || face.Prediction is not { } own) continue;
            lock (_gate)
            {
                if (_best.TryGetValue(face.TrackId, out var best) && best.Confidence >= own.Confidence)
                {
                    _best[face.TrackId] = best with { Frame = seen };
                    continue;
                }
            }
            if (Crop(frame, face.Box) is not { } jpeg) continue;
            lock (_gate)
            {
                _best[face.TrackId] = (jpeg, own.Confidence, seen);
                if (_best.Count > capacity) _best.Remove(_best.MinBy(t => t.Value.Frame).Key); // the track seen longest ago
            }
        }
    }

    /// <summary>The track's face, or null for a track never classified or no longer kept.</summary>
    public byte[]? Of(int track)
    {
        lock (_gate) return _best.TryGetValue(track, out var best) ? best.Jpeg : null;
    }

    /// <summary>The face's box from the frame's pixels, scaled to <see cref="Height"/>, as JPEG; null for a box outside the frame.</summary>
    public static byte[]? Crop(VideoFrame frame, FaceBox box)
    {
        var rect = new Rect(box.X, box.Y, box.Width, box.Height).Intersect(new Rect(0, 0, frame.Width, frame.Height));
        if (rect.Width < 1 || rect.Height < 1) return null;
        using var image = frame.AsMat();
        using var face = new Mat(image, rect);
        using var small = new Mat();
        Cv2.Resize(face, small, new Size(Math.Max(1, rect.Width * Height / rect.Height), Height), interpolation: InterpolationFlags.Area);
        Cv2.ImEncode(".jpg", small, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
        return jpeg;
    }
}
