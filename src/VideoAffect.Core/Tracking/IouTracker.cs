using VideoAffect.Detection;

namespace VideoAffect.Tracking;

/// <summary>
/// Gives faces stable ids across frames: each round of detections is matched greedily, highest IoU
/// first, to the tracks' predicted boxes; unmatched detections start tentative tracks. A tentative
/// track ends at its first missed round (as in SORT: a one-off false detection is gone at the next
/// round, so its fate is known within one round), a confirmed one after too many missed rounds.
/// Between detection rounds, confirmed tracks coast on their velocity.
/// </summary>
internal sealed class IouTracker
{
    readonly TrackerOptions _options;
    readonly List<FaceTrack> _tracks = new();
    int _nextId = 1;

    public IouTracker(TrackerOptions options)
    {
        options.Validate();
        _options = options;
    }

    public IReadOnlyList<FaceTrack> Tracks => _tracks;

    /// <summary>A detection round: returns, per detection, the track it belongs to (new or continued).</summary>
    public IReadOnlyList<FaceTrack> Update(IReadOnlyList<FaceBox> detections, long frame)
    {
        var assigned = new FaceTrack?[detections.Count];
        var candidates = new List<(double Score, int Detection, FaceTrack Track)>();
        foreach (var track in _tracks)
        {
            var predicted = track.PredictAt(frame);
            for (int d = 0; d < detections.Count; d++)
                if (Similarity(predicted, detections[d]) is > 0 and var score) candidates.Add((score, d, track));
        }
        var matched = new HashSet<FaceTrack>();
        foreach (var (_, d, track) in candidates.OrderByDescending(c => c.Score))
        {
            if (assigned[d] is not null || matched.Contains(track)) continue;
            assigned[d] = track;
            matched.Add(track);
            track.Hit(detections[d], frame, _options.HitsToConfirm);
        }
        foreach (var track in _tracks.Where(t => !matched.Contains(t)).ToList())
        {
            track.Miss();
            if (!track.Confirmed || track.Misses > _options.MissesToDelete)
            {
                track.End();
                _tracks.Remove(track);
            }
        }
        for (int d = 0; d < detections.Count; d++)
        {
            if (assigned[d] is not null) continue;
            var track = new FaceTrack(_nextId++, detections[d], frame);
            if (_options.HitsToConfirm <= 1) track.Hit(detections[d], frame, 1);
            _tracks.Add(track);
            assigned[d] = track;
        }
        return assigned!;
    }

    /// <summary>
    /// IoU when the boxes overlap enough. Otherwise, for a face that moved further than the guess
    /// (a new track has no velocity yet; detection may run only every Nth frame), a box of similar
    /// size whose centre is within one face width still matches, always ranked below any IoU match.
    /// </summary>
    double Similarity(FaceBox predicted, FaceBox detected)
    {
        double iou = predicted.IntersectionOverUnion(detected);
        if (iou >= _options.MinIou) return iou;
        double size = Math.Max(predicted.Width, predicted.Height);
        double ratio = (double)Math.Max(predicted.Area, detected.Area) / Math.Max(1, Math.Min(predicted.Area, detected.Area));
        double dx = predicted.X + predicted.Width / 2.0 - (detected.X + detected.Width / 2.0);
        double dy = predicted.Y + predicted.Height / 2.0 - (detected.Y + detected.Height / 2.0);
        double distance = Math.Sqrt(dx * dx + dy * dy);
        if (distance >= size || ratio > 2.25) return 0;
        return _options.MinIou * 0.5 * (1 - distance / size);
    }

    /// <summary>A frame without detection: the confirmed tracks at their predicted boxes.</summary>
    public IReadOnlyList<(FaceTrack Track, FaceBox Box)> Coast(long frame) =>
        _tracks.Where(t => t.Confirmed && t.Misses == 0).Select(t => (t, t.PredictAt(frame))).ToList();
}
