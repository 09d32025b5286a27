using VideoAffect.Detection;
using VideoAffect.Records;

namespace VideoAffect.Sinks;

/// <summary>
/// Turns records into per-track events, as Frigate reports tracked objects: <c>new</c> when a
/// confirmed track first has a classified face, <c>update</c> when its shown (smoothed) label
/// changes, <c>end</c> once it has been absent for <see cref="SinkRun.TrackEndFrames"/> of its
/// stream's frames or its stream ends, with its label shares and duration. Frames are counted per
/// stream as they arrive, so frames a live stream dropped do not end a track early. Faces without
/// a track (tracking off) and tentative ones make no events.
/// </summary>
/// <param name="endAfterFrames">frames of its stream without the track after which it has ended</param>
/// <param name="faces">a track's face as JPEG by stream and track (<see cref="SinkRun.TrackFace"/>), given to its new and end events</param>
public sealed class TrackLifecycle(int endAfterFrames, Func<string, int, byte[]?>? faces)
{
    /// <summary>Events without the tracks' faces.</summary>
    public TrackLifecycle(int endAfterFrames) : this(endAfterFrames, null) { }

    readonly Dictionary<string, StreamTracks> _streams = new();

    /// <summary>The track events one frame makes: new tracks, label changes, and tracks that ended because their stream went on without them.</summary>
    public IReadOnlyList<TrackEvent> Observe(FrameRecord record)
    {
        var events = new List<TrackEvent>();
        if (!_streams.TryGetValue(record.Stream, out var stream)) _streams[record.Stream] = stream = new StreamTracks();
        stream.Frames++;
        foreach (var face in record.Faces)
        {
            if (face.Track == 0 || face.Tentative) continue;
            var shown = face.Display;
            if (!stream.Live.TryGetValue(face.Track, out var track))
            {
                track = new TrackState(record.Stream, face.Track, record.Time, record.Utc, shown.Labels.Count);
                track.See(record, face, stream.Frames);
                stream.Live[face.Track] = track;
                events.Add(new TrackEvent("new", null, track.Snapshot(ended: false)) { Face = faces?.Invoke(record.Stream, face.Track) });
                continue;
            }
            var before = track.Snapshot(ended: false);
            track.See(record, face, stream.Frames);
            if (before.Label != shown.Label) events.Add(new TrackEvent("update", before, track.Snapshot(ended: false)));
        }
        foreach (var gone in stream.Live.Values.Where(t => stream.Frames - t.LastSeenFrame >= endAfterFrames).ToList())
            events.Add(End(stream, gone));
        return events;
    }

    /// <summary>Ends every track still open (the run or the stream is over).</summary>
    public IReadOnlyList<TrackEvent> EndAll() =>
        _streams.Values.SelectMany(s => s.Live.Values.ToList().Select(t => End(s, t))).ToList();

    TrackEvent End(StreamTracks stream, TrackState track)
    {
        stream.Live.Remove(track.Track);
        var before = track.Snapshot(ended: false);
        var after = track.Snapshot(ended: true);
        // The face at the track's most confident moment, over its whole life.
        return new TrackEvent("end", before, after) { Face = faces?.Invoke(after.Stream, after.Track) };
    }

    sealed class StreamTracks
    {
        public long Frames;
        public readonly Dictionary<int, TrackState> Live = new();
    }

    sealed class TrackState(string stream, int track, double startTime, DateTime? startUtc, int labelCount)
    {
        readonly long[] _labelFrames = new long[labelCount];
        IReadOnlyList<string> _labels = [];
        string _label = "";
        readonly double _startTime = startTime;
        double _score, _topScore, _lastTime = startTime;
        long _frames;
        FaceBox _box;

        public int Track => track;
        public long LastSeenFrame { get; private set; }

        public void See(FrameRecord record, FaceRecord face, long streamFrame)
        {
            var shown = face.Display;
            _labels = shown.Labels;
            _label = shown.Label;
            _score = shown.Confidence;
            _topScore = Math.Max(_topScore, shown.Confidence);
            _labelFrames[shown.LabelIndex]++;
            _frames++;
            _lastTime = record.Time;
            _box = face.Box;
            LastSeenFrame = streamFrame;
        }

        public TrackSnapshot Snapshot(bool ended) => new(
            $"{stream}:{track}", stream, track, _label, Math.Round(_score, 4), Math.Round(_topScore, 4),
            Math.Round(_startTime, 3), ended ? Math.Round(_lastTime, 3) : null, startUtc, _frames, _box,
            ended ? _labels.Select((l, i) => (l, i)).Where(x => _labelFrames[x.i] > 0)
                .ToDictionary(x => x.l, x => Math.Round((double)_labelFrames[x.i] / _frames, 4)) : null);
    }
}

/// <summary>A track's change: <see cref="Type"/> is new, update or end; <see cref="Before"/> is null for new.</summary>
public sealed record TrackEvent(string Type, TrackSnapshot? Before, TrackSnapshot After)
{
    /// <summary>
    /// The track's face as a JPEG (its most confident classification so far), with new and end
    /// events of a run that keeps faces; null with updates, when anonymizing, or where none is kept.
    /// </summary>
    public byte[]? Face { get; init; }
}

/// <summary>
/// A track as events describe it. Times are the stream's seconds (the video's position for a file);
/// <see cref="Shares"/> (the fraction of its frames shown with each label) comes only with the end.
/// </summary>
public sealed record TrackSnapshot(string Id, string Stream, int Track, string Label, double Score, double TopScore,
    double StartTime, double? EndTime, DateTime? StartUtc, long Frames, FaceBox Box, IReadOnlyDictionary<string, double>? Shares)
{
    /// <summary>Seconds from the track's start to its end; null while it goes on.</summary>
    public double? Duration => EndTime is { } end ? Math.Round(end - StartTime, 3) : null;
}
