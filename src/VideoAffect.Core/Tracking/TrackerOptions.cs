namespace VideoAffect.Tracking;

/// <summary>How faces become tracks (SORT-style IoU matching with a constant-velocity guess).</summary>
public sealed record TrackerOptions
{
    /// <summary>Least IoU between a detection and a track's predicted box for them to match.</summary>
    public double MinIou { get; init; } = 0.3;
    /// <summary>Detections in a row before a track is confirmed (shown and recorded with its id).</summary>
    public int HitsToConfirm { get; init; } = 2;
    /// <summary>Detection rounds a track may miss before it ends.</summary>
    public int MissesToDelete { get; init; } = 3;

    /// <summary>Throws a one-line <see cref="VideoAffectException"/> for a setting out of range.</summary>
    public void Validate()
    {
        if (!(MinIou is > 0 and <= 1)) throw new VideoAffectException($"tracker IoU threshold must be in (0, 1] (got {MinIou})");
        if (HitsToConfirm < 1) throw new VideoAffectException($"hits to confirm must be at least 1 (got {HitsToConfirm})");
        if (MissesToDelete < 0) throw new VideoAffectException($"misses to delete cannot be negative (got {MissesToDelete})");
    }
}
