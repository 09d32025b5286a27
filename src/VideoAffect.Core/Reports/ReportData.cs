using VideoAffect.Media;

namespace VideoAffect.Reports;

/// <summary>
/// What the per-run report shows, gathered while frames pass the annotate stage: label counts for
/// the whole video and, per track, the displayed (smoothed) probabilities over time.
/// </summary>
public sealed class ReportData(IReadOnlyList<string> labels)
{
    readonly Dictionary<int, List<(double Time, float[] Probabilities)>> _tracks = new();

    public IReadOnlyList<string> Labels { get; } = labels;
    public long[] LabelCounts { get; } = new long[labels.Count];
    public double FirstTime { get; private set; } = double.NaN;
    public double LastTime { get; private set; }
    public long Frames { get; private set; }

    public IReadOnlyDictionary<int, List<(double Time, float[] Probabilities)>> Tracks => _tracks;

    public void Add(VideoFrame frame)
    {
        Frames++;
        if (double.IsNaN(FirstTime)) FirstTime = frame.Timestamp;
        LastTime = Math.Max(LastTime, frame.Timestamp);
        foreach (var face in frame.Faces)
        {
            if (face.Display is not { } shown) continue;
            LabelCounts[shown.LabelIndex]++;
            if (face.TrackId == 0) continue;
            if (!_tracks.TryGetValue(face.TrackId, out var series)) _tracks[face.TrackId] = series = new();
            series.Add((frame.Timestamp, shown.Probabilities));
        }
    }
}
