namespace VideoAffect.Pipeline;

/// <summary>
/// One tracked face over a run, from its records: when it was seen, what the video showed it
/// feeling most (its smoothed label), the share of its records per shown label and the mean of its
/// frames' own probabilities. For whoever asks how each person felt, not only how the room did.
/// </summary>
public sealed record TrackSummary
{
    /// <summary>The records' track id.</summary>
    public required int Track { get; init; }
    /// <summary>Time of its first record, in the video's seconds.</summary>
    public required double FirstTime { get; init; }
    /// <summary>Time of its last record.</summary>
    public required double LastTime { get; init; }
    /// <summary>Its records (frames it was reported on).</summary>
    public required long Records { get; init; }
    /// <summary>The label shown on most of its records (ties: the model's earlier label).</summary>
    public required string Label { get; init; }
    /// <summary>Per label, the fraction of its records that showed it.</summary>
    public required IReadOnlyDictionary<string, double> Shares { get; init; }
    /// <summary>Per label, the mean of its records' own (unsmoothed) probabilities.</summary>
    public required IReadOnlyDictionary<string, double> MeanProbabilities { get; init; }
}

/// <summary>Adds up each track's records as the annotate stage writes them.</summary>
internal sealed class TrackTally(IReadOnlyList<string> labels)
{
    sealed class Sums(int labels)
    {
        public double First = double.NaN, Last;
        public long Records;
        public readonly long[] Shown = new long[labels];
        public readonly double[] Probabilities = new double[labels];
    }

    readonly Dictionary<int, Sums> _tracks = new();

    public void Add(int track, double time, Classification.EmotionPrediction own, Classification.EmotionPrediction shown)
    {
        if (track <= 0) return;
        if (!_tracks.TryGetValue(track, out var s)) _tracks[track] = s = new Sums(labels.Count);
        s.First = double.IsNaN(s.First) ? time : Math.Min(s.First, time);
        s.Last = Math.Max(s.Last, time);
        s.Records++;
        s.Shown[shown.LabelIndex]++;
        for (int i = 0; i < labels.Count; i++) s.Probabilities[i] += own.Probabilities[i];
    }

    /// <summary>Every track with a record, by id.</summary>
    public IReadOnlyList<TrackSummary> Summaries() => _tracks.OrderBy(t => t.Key).Select(t =>
    {
        var s = t.Value;
        int dominant = Array.IndexOf(s.Shown, s.Shown.Max());
        return new TrackSummary
        {
            Track = t.Key,
            FirstTime = s.First,
            LastTime = s.Last,
            Records = s.Records,
            Label = labels[dominant],
            Shares = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => Math.Round((double)s.Shown[x.i] / s.Records, 6)),
            MeanProbabilities = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => Math.Round(s.Probabilities[x.i] / s.Records, 6)),
        };
    }).ToList();
}
