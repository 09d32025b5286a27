namespace VideoAffect.Detection;

/// <summary>
/// Chooses the GPU cascade's packing schedule (after which stages the surviving windows are packed
/// into full warps, <see cref="IlgpuHaarDetector.PackAfter"/>) per frame size, on the detector's own
/// frames: the first frames of a size each run under the next candidate in turn, their times are
/// kept, and after every candidate has had <see cref="Trials"/> frames the fastest is used from
/// then on. Which schedule wins depends on the GPU (how many warps it keeps in flight), the frame
/// size (how many windows) and the scene (how many survive the first stages), so no constant fits
/// every device. Every schedule finds the same windows (the packing changes which thread evaluates
/// a window, not what it computes), so the trial frames' faces are those of any other; they only
/// cost their schedule's time. A frame where no window passed the whole cascade does not count:
/// a video's first frames are often black (a fade-in) or blank, where every window falls at the
/// first stages and the schedule with the least packing always wins, which would then be kept for
/// the scenes after them. The fallback is tried first, so a scene with nothing in it keeps it.
/// Not thread-safe: the detector runs one frame at a time.
/// </summary>
internal sealed class PackingScheduleTuner(IReadOnlyList<int[]> candidates, int[] fallback)
{
    /// <summary>Frames each candidate is timed on; the best of them counts (a frame's time also holds the host's hiccups).</summary>
    public const int Trials = 2;

    /// <summary>A candidate must beat the fallback (the detector's default) by this share to displace it.</summary>
    public const double Margin = 0.03;

    /// <summary>A frame size's trials so far, and its choice once they are done.</summary>
    public sealed class SizeState(int count)
    {
        public readonly double[] Best = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        public int Frames;
        public int[]? Chosen;
    }

    readonly Dictionary<(int Width, int Height), SizeState> _sizes = new();
    readonly IReadOnlyList<int[]> _candidates = [fallback, .. candidates.Where(c => !c.SequenceEqual(fallback))];

    /// <summary>The candidates, the fallback first.</summary>
    public IReadOnlyList<int[]> Candidates => _candidates;

    /// <summary>The schedule for the next frame of this size: a candidate on trial, or the one chosen.</summary>
    public int[] Next(int width, int height)
    {
        var state = State(width, height);
        return state.Chosen ?? _candidates[state.Frames % _candidates.Count];
    }

    /// <summary>How long a frame of this size took under <paramref name="schedule"/> (what <see cref="Next"/> gave), and how many windows passed the cascade.</summary>
    public void Report(int width, int height, int[] schedule, double seconds, int hits)
    {
        var state = State(width, height);
        if (state.Chosen is not null || hits == 0) return;
        int index = IndexOf(schedule);
        if (index < 0) return;
        state.Best[index] = Math.Min(state.Best[index], seconds);
        if (++state.Frames < Trials * _candidates.Count) return;
        int fastest = Array.IndexOf(state.Best, state.Best.Min());
        int fallbackIndex = IndexOf(fallback);
        state.Chosen = state.Best[fastest] < (1 - Margin) * state.Best[fallbackIndex] ? _candidates[fastest] : _candidates[fallbackIndex];
    }

    /// <summary>The schedule chosen for this size and each candidate's best frame time, or null while trials go on (or before any frame of it).</summary>
    public (int[] Chosen, IReadOnlyList<(int[] Schedule, double Seconds)> Times)? Choice(int width, int height) =>
        _sizes.TryGetValue((width, height), out var state) && state.Chosen is { } chosen
            ? (chosen, _candidates.Select((c, i) => (c, state.Best[i])).ToList())
            : null;

    SizeState State(int width, int height)
    {
        if (!_sizes.TryGetValue((width, height), out var state))
            _sizes[(width, height)] = state = new SizeState(_candidates.Count);
        return state;
    }

    int IndexOf(int[] schedule)
    {
        for (int i = 0; i < _candidates.Count; i++)
            if (_candidates[i].SequenceEqual(schedule)) return i;
        return -1;
    }
}
