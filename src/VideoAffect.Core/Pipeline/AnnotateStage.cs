using System.Threading.Channels;
using VideoAffect.Media;
using VideoAffect.Classification;
using VideoAffect.Records;
using VideoAffect.Reports;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// Smooths each track's probabilities, draws the predictions, writes the per-face records and counts
/// labels, then passes frames on with their records attached (for the event sinks).
/// </summary>
/// <param name="trackFaces">where each track's most confident face is kept (a live stream's /streams/NAME/tracks/ID.jpg); none when anonymizing</param>
/// <param name="tallyTracks">sum up each track for the summary: a file's run (its tracks are as many as the file holds), not a live stream's, whose tracks never stop coming</param>
internal sealed class AnnotateStage(IRecordWriter records, IReadOnlyList<string> labels, ProbabilitySmoother? smoother = null, ReportData? report = null, string stream = "",
    IReadOnlyList<Detection.FaceZone>? zones = null, Anonymization anonymize = Anonymization.None, bool tallyTracks = true, TrackFaces? trackFaces = null)
{
    readonly long[] _labelCounts = new long[labels.Count];
    readonly TrackTally? _tracks = tallyTracks ? new(labels) : null;

    /// <summary>Each track's records summed up (what the run's summary lists per person); empty where not tallied.</summary>
    public IReadOnlyList<TrackSummary> Tracks => _tracks?.Summaries() ?? [];

    /// <summary>Whether each track is summed up (memory grows with the tracks seen).</summary>
    public bool TalliesTracks => _tracks is not null;
    readonly Dictionary<int, (EmotionPrediction Prediction, long Frame)> _lastPrediction = new();

    public long Faces { get; private set; }
    /// <summary>Smoothing, drawing, records and counts.</summary>
    public BusyTime Busy { get; } = new();
    public long Frames { get; private set; }
    /// <summary>The first and last frames' times (NaN before any): what a file that does not say its length played for.</summary>
    public double FirstTime { get; private set; } = double.NaN;
    public double LastTime { get; private set; } = double.NaN;

    public IReadOnlyDictionary<string, long> LabelCounts => labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => _labelCounts[x.i]);

    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                long started = BusyTime.Start();
                try
                {
                    CarryOver(frame);
                    Smooth(frame);
                    report?.Add(frame); // before the drawing: its thumbnails are the faces as they were (none when anonymizing)
                    if (anonymize == Anonymization.None) trackFaces?.Offer(frame);
                    FrameAnnotator.Anonymize(frame, anonymize);
                    FrameAnnotator.Draw(frame, zones);
                    var record = RecordOf(frame, stream);
                    records.Write(record);
                    frame.Record = record;
                    foreach (var face in frame.Faces)
                        if (face.Prediction is { } p)
                        {
                            _labelCounts[p.LabelIndex]++;
                            Faces++;
                            _tracks?.Add(face.TrackId, frame.Timestamp, p, face.Display!);
                        }
                    Frames++;
                    if (double.IsNaN(FirstTime)) FirstTime = frame.Timestamp;
                    LastTime = frame.Timestamp;
                }
                catch { frame.Dispose(); throw; }
                Busy.Stop(started);
                await output.WriteAsync(frame, token);
            }
        }
        catch (Exception e) { error = e; throw; }
        finally { output.TryComplete(error ?? input.UpstreamError()); }
    }

    /// <summary>Faces not classified on this frame take their track's last prediction.</summary>
    void CarryOver(VideoFrame frame)
    {
        foreach (var face in frame.Faces)
        {
            if (face.TrackId == 0) continue;
            if (face.Prediction is { } p) _lastPrediction[face.TrackId] = (p, frame.Index);
            else if (_lastPrediction.TryGetValue(face.TrackId, out var last)) face.Prediction = last.Prediction;
        }
        if (frame.Index % 256 == 0)
            foreach (var id in _lastPrediction.Where(kv => frame.Index - kv.Value.Frame > 256).Select(kv => kv.Key).ToList())
                _lastPrediction.Remove(id);
    }

    void Smooth(VideoFrame frame)
    {
        if (smoother is null) return;
        foreach (var face in frame.Faces)
            if (face.TrackId > 0 && face.Prediction is { } p)
                face.Smoothed = new EmotionPrediction(labels, smoother.Add(face.TrackId, frame.Index, p.Probabilities));
        if (frame.Index % 256 == 0) smoother.Forget(frame.Index, keepFrames: 256);
    }

    /// <summary>
    /// The frame's classified faces as a record (faces not classified yet have none). Made here, where
    /// the frame is annotated, so that records know nothing of frames (the sinks outlive the pixels).
    /// </summary>
    static FrameRecord RecordOf(VideoFrame frame, string stream)
    {
        var faces = new List<FaceRecord>(frame.Faces.Count);
        for (int i = 0; i < frame.Faces.Count; i++)
        {
            var face = frame.Faces[i];
            if (face.Prediction is { } prediction)
                faces.Add(new FaceRecord(i, face.TrackId, face.Detected, face.Classified, face.Tentative, face.Box, prediction, face.Smoothed)
                    { Landmarks = face.Landmarks });
        }
        return new FrameRecord(stream, frame.Index, frame.Timestamp, frame.CapturedUtc, faces);
    }
}
