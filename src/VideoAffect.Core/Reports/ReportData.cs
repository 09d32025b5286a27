using VideoAffect.Media;

namespace VideoAffect.Reports;

/// <summary>
/// What the per-run report shows, gathered while frames pass the annotate stage (before the boxes
/// are drawn): every face record's shown label and time, and per track its shown (smoothed)
/// probabilities over time, its label counts and the crop of its most confident classification
/// (none when the run anonymizes faces: a hidden face's crop shows nothing).
/// </summary>
internal sealed class ReportData(IReadOnlyList<string> labels, bool faceCrops = true, ReportTimeAxis? time = null)
{
    readonly Dictionary<int, ReportTrack> _tracks = new();
    readonly List<(double Time, int Label)> _shown = new();

    public IReadOnlyList<string> Labels { get; } = labels;
    /// <summary>How the report says when: seconds, or times of day for a recording whose start is known.</summary>
    public ReportTimeAxis Time { get; } = time ?? ReportTimeAxis.Seconds;
    public long[] LabelCounts { get; } = new long[labels.Count];
    public double FirstTime { get; private set; } = double.NaN;
    public double LastTime { get; private set; }
    public long Frames { get; private set; }
    public IReadOnlyDictionary<int, ReportTrack> Tracks => _tracks;
    /// <summary>Every face record's time and shown label, in order.</summary>
    public IReadOnlyList<(double Time, int Label)> Shown => _shown;
    public double Duration => double.IsNaN(FirstTime) ? 0 : LastTime - FirstTime;

    public void Add(VideoFrame frame)
    {
        Frames++;
        if (double.IsNaN(FirstTime)) FirstTime = frame.Timestamp;
        LastTime = Math.Max(LastTime, frame.Timestamp);
        foreach (var face in frame.Faces)
        {
            if (face.Display is not { } shown) continue;
            LabelCounts[shown.LabelIndex]++;
            _shown.Add((frame.Timestamp, shown.LabelIndex));
            if (face.TrackId == 0) continue;
            if (!_tracks.TryGetValue(face.TrackId, out var track)) _tracks[face.TrackId] = track = new ReportTrack(face.TrackId, Labels.Count);
            track.Add(frame.Timestamp, shown);
            if (faceCrops && face.Classified && face.Prediction is { } own && own.Confidence > track.ThumbnailConfidence)
            {
                track.Thumbnail = TrackFaces.Crop(frame, face.Box);
                track.ThumbnailConfidence = own.Confidence;
            }
        }
    }
}

/// <summary>One track as the report shows it.</summary>
internal sealed class ReportTrack(int id, int labelCount)
{
    readonly long[] _labelFrames = new long[labelCount];

    public int Id => id;
    /// <summary>The shown (smoothed) probabilities of each of its records, in time order.</summary>
    public List<(double Time, float[] Probabilities)> Series { get; } = new();
    public double FirstTime => Series[0].Time;
    public double LastTime => Series[^1].Time;
    public long Records => Series.Count;
    /// <summary>Records shown with each label.</summary>
    public IReadOnlyList<long> LabelRecords => _labelFrames;
    public int Dominant => Array.IndexOf(_labelFrames, _labelFrames.Max());
    /// <summary>JPEG of the face on its most confident classified frame.</summary>
    public byte[]? Thumbnail { get; set; }
    public float ThumbnailConfidence { get; set; } = -1;

    public void Add(double time, Classification.EmotionPrediction shown)
    {
        Series.Add((time, shown.Probabilities));
        _labelFrames[shown.LabelIndex]++;
    }
}
