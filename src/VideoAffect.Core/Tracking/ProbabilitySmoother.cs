namespace VideoAffect.Tracking;

/// <summary>
/// Per-track exponential moving average of the class probabilities, so a displayed label does not
/// flicker with every frame's noise. Alpha 1 turns smoothing off (the raw values pass through).
/// </summary>
internal sealed class ProbabilitySmoother
{
    readonly double _alpha;
    readonly Dictionary<int, (float[] Mean, long LastFrame)> _tracks = new();

    public ProbabilitySmoother(double alpha)
    {
        if (!(alpha is > 0 and <= 1)) throw new VideoAffectException($"smoothing alpha must be in (0, 1] (got {alpha}); 1 turns smoothing off");
        _alpha = alpha;
    }

    /// <summary>The smoothed probabilities of track <paramref name="trackId"/> after adding this frame's.</summary>
    public float[] Add(int trackId, long frame, float[] probabilities)
    {
        if (!_tracks.TryGetValue(trackId, out var state))
        {
            _tracks[trackId] = ((float[])probabilities.Clone(), frame);
            return (float[])probabilities.Clone();
        }
        var mean = state.Mean;
        for (int i = 0; i < mean.Length; i++)
            mean[i] = (float)(_alpha * probabilities[i] + (1 - _alpha) * mean[i]);
        _tracks[trackId] = (mean, frame);
        return (float[])mean.Clone();
    }

    /// <summary>Forgets tracks not seen since <paramref name="frame"/> minus <paramref name="keepFrames"/>.</summary>
    public void Forget(long frame, long keepFrames)
    {
        foreach (var id in _tracks.Where(kv => frame - kv.Value.LastFrame > keepFrames).Select(kv => kv.Key).ToList())
            _tracks.Remove(id);
    }
}
