using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Media;
using VideoAffect.Preprocessing;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// Grayscale, Haar detection, tracking, and the network input of every face, cut while the
/// grayscale frame is at hand so it is never kept.
/// Detection runs on up to one frame per detector at once (each detector single-threaded), which
/// keeps both cores busy without OpenCV's fork-join threads stalling behind the pipeline's other
/// threads; tracking and cropping then take the frames strictly in order. With a tracker and
/// <c>detectEvery</c> N &gt; 1, the detector runs on every Nth frame and the frames between take
/// the tracks' predicted boxes. Frames leave in the order they came.
/// With <c>cropOnDevice</c>, faces carry only their crop rectangle: the backend cuts them from the
/// frame on its device.
/// </summary>
internal sealed class DetectStage(IReadOnlyList<IFaceDetector> detectors, FacePreprocessor preprocessor, int inputSize,
    IouTracker? tracker = null, int detectEvery = 1, int classifyEvery = 1, bool cropOnDevice = false, bool align = false,
    IReadOnlyList<FaceZone>? zones = null)
{
    readonly HashSet<int> _classifiedTracks = new();
    readonly ConcurrentBag<IFaceDetector> _idle = new(detectors);
    readonly SemaphoreSlim _detectorSlots = new(detectors.Count, detectors.Count);
    readonly ConcurrentBag<Mat> _grays = new();
    /// <summary>Faces cut on the device and detectors that take BGR: no grayscale frame on the host at all.</summary>
    readonly bool _noHostGray = cropOnDevice && detectors.All(d => d is IBgrFaceDetector);
    long _detectorRuns;

    /// <summary>Frames the detector ran on.</summary>
    public long DetectorRuns => Interlocked.Read(ref _detectorRuns);

    /// <summary>Grayscale conversion, detection, tracking and face cutting, summed over the workers.</summary>
    public BusyTime Busy { get; } = new();

    sealed record Detected(VideoFrame Frame, Mat Gray, IReadOnlyList<FaceBox>? Boxes, IReadOnlyList<DetectedFace>? Faces = null);

    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        // Frames in detection, oldest first; bounded so that at most one frame per detector is in flight.
        var inFlight = Channel.CreateBounded<Task<Detected>>(new BoundedChannelOptions(detectors.Count) { SingleReader = true, SingleWriter = true });
        using var stopFeeding = CancellationTokenSource.CreateLinkedTokenSource(token);
        var feeding = FeedAsync(input, inFlight.Writer, stopFeeding.Token);
        try
        {
            await foreach (var pending in inFlight.Reader.ReadAllAsync(token))
            {
                var detected = await pending;
                long started = BusyTime.Start();
                try { TrackAndCrop(detected); Busy.Stop(started); }
                catch { detected.Frame.Dispose(); throw; }
                finally { _grays.Add(detected.Gray); }
                await output.WriteAsync(detected.Frame, token);
            }
            await feeding;
        }
        catch (Exception e) { error = e; throw; }
        finally
        {
            output.TryComplete(error ?? input.UpstreamError());
            // After a failure: stop feeding, then wait for every frame still in detection, so no
            // worker is using a grayscale buffer when they are released.
            stopFeeding.Cancel();
            try { await feeding; } catch (OperationCanceledException) { }
            await Drain(inFlight.Reader);
            foreach (var gray in _grays) gray.Dispose();
            _detectorSlots.Dispose();
        }
    }

    async Task FeedAsync(ChannelReader<VideoFrame> input, ChannelWriter<Task<Detected>> inFlight, CancellationToken token)
    {
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                try
                {
                    if (!await inFlight.WaitToWriteAsync(token)) { frame.Dispose(); return; }
                }
                catch { frame.Dispose(); throw; }
                // A task is started only once there is room for it, so none is ever lost untracked.
                inFlight.TryWrite(Task.Run(() => DetectAsync(frame)));
            }
        }
        finally { inFlight.TryComplete(); }
    }

    /// <summary>After a failure: wait for frames still in detection and release them.</summary>
    async Task Drain(ChannelReader<Task<Detected>> inFlight)
    {
        while (inFlight.TryRead(out var pending))
        {
            try
            {
                var d = await pending;
                d.Frame.Dispose();
                _grays.Add(d.Gray);
            }
            catch (Exception) { } // the first failure is already reported
        }
    }

    async Task<Detected> DetectAsync(VideoFrame frame)
    {
        var gray = _grays.TryTake(out var reused) ? reused : new Mat();
        long started = BusyTime.Start();
        try
        {
            if (!_noHostGray)
                using (var bgr = frame.AsMat())
                    Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
            if (tracker is not null && frame.Index % detectEvery != 0) { Busy.Stop(started); return new Detected(frame, gray, null); }
            Busy.Stop(started);
            await _detectorSlots.WaitAsync();
            started = BusyTime.Start();
            _idle.TryTake(out var detector);
            try
            {
                Interlocked.Increment(ref _detectorRuns);
                // Detectors that take colour get the frame itself (BlazeFace needs it; a device cascade converts there).
                if (detector is ILandmarkFaceDetector landmarks)
                {
                    // A batching detector: this frame waits, holding no thread, for the pass it joined
                    // (the letterbox, and the pass when this frame completes it, run before the wait).
                    var pending = landmarks.DetectFacesAsync(frame.Pixels.AsMemory(0, frame.ByteCount), frame.Width, frame.Height);
                    Busy.Stop(started);
                    var faces = await pending;
                    started = BusyTime.Start();
                    return new Detected(frame, gray, faces.Select(f => f.Box).ToList(), faces);
                }
                var boxes = detector is IBgrFaceDetector colour
                    ? colour.DetectBgr(frame.Pixels.AsSpan(0, frame.ByteCount), frame.Width, frame.Height)
                    : detector!.Detect(gray);
                return new Detected(frame, gray, boxes);
            }
            finally
            {
                Busy.Stop(started);
                _idle.Add(detector!);
                _detectorSlots.Release();
            }
        }
        catch
        {
            _grays.Add(gray);
            frame.Dispose();
            throw;
        }
    }

    /// <summary>The faces the last detection round found outside the counted zones.</summary>
    List<FaceBox> _outsideZones = [];

    void TrackAndCrop(Detected d)
    {
        var frame = d.Frame;
        if (zones is { Count: > 0 } && d.Boxes is { } found)
        {
            // Faces in an ignore zone, or outside every only-zone, go no further than this: not tracked,
            // not classified, not reported; only hidden, if the run anonymizes faces.
            var kept = FaceZone.Kept(zones, found, frame.Width, frame.Height);
            _outsideZones = Enumerable.Range(0, found.Count).Except(kept).Select(i => found[i]).ToList();
            if (kept.Count < found.Count)
                d = d with { Boxes = kept.Select(i => found[i]).ToList(), Faces = d.Faces is { } faces ? kept.Select(i => faces[i]).ToList() : null };
        }
        // Between detection rounds they stay where the last round found them (they have no track to follow).
        frame.Uncounted.AddRange(_outsideZones);
        if (tracker is null)
        {
            for (int i = 0; i < d.Boxes!.Count; i++) AddFace(frame, d.Gray, d.Boxes[i], null, true, d.Faces?[i].Landmarks);
        }
        else if (d.Boxes is { } boxes)
        {
            var tracks = tracker.Update(boxes, frame.Index);
            for (int i = 0; i < boxes.Count; i++) AddFace(frame, d.Gray, boxes[i], tracks[i], true, d.Faces?[i].Landmarks);
        }
        else
        {
            foreach (var (track, box) in tracker.Coast(frame.Index))
                if (Clip(box, frame.Width, frame.Height) is { } b) AddFace(frame, d.Gray, b, track, false);
        }
        // Ended tracks are forgotten: a camera watched for months sees tracks without end.
        if (tracker is not null && frame.Index % 256 == 0 && _classifiedTracks.Count > 0)
            _classifiedTracks.IntersectWith(tracker.Tracks.Select(t => t.Id));
    }

    /// <summary>Tracks remembered as classified once (with --classify-every), for tests: only live tracks are kept.</summary>
    internal int RememberedTracks => _classifiedTracks.Count;

    void AddFace(VideoFrame frame, Mat gray, FaceBox box, FaceTrack? track, bool detected, IReadOnlyList<Landmark>? landmarks = null)
    {
        int trackId = track?.Id ?? 0;
        // A tracked face is classified on every Kth frame (and on its first); in between it keeps
        // its track's last prediction, filled in by the annotate stage.
        // (The set is told of every track classified, on a Kth frame too: else one first seen on a
        // Kth frame was classified again on the next.)
        bool classify = trackId == 0 || (_classifiedTracks.Add(trackId) | frame.Index % classifyEvery == 0);
        if (!classify)
        {
            frame.Faces.Add(new FaceObservation(box, null, trackId, detected, track: track) { Landmarks = landmarks });
            return;
        }
        if (cropOnDevice)
        {
            var crop = preprocessor.CropFor(box, frame.Width, frame.Height);
            frame.Faces.Add(new FaceObservation(box, null, trackId, detected, new FaceBox(crop.X, crop.Y, crop.Width, crop.Height), track) { Landmarks = landmarks });
            return;
        }
        var tensor = ArrayPool<float>.Shared.Rent(inputSize);
        // A colour model is cut from the BGR frame itself.
        using var colour = preprocessor.TakesColour ? frame.AsMat() : null;
        var source = colour ?? gray;
        if (align && landmarks is { Count: >= 2 })
            preprocessor.PrepareAligned(source, box, landmarks[0].ToPoint2f(), landmarks[1].ToPoint2f(), tensor.AsSpan(0, inputSize));
        else
            preprocessor.Prepare(source, box, tensor.AsSpan(0, inputSize));
        frame.Faces.Add(new FaceObservation(box, tensor, trackId, detected, track: track) { Landmarks = landmarks });
    }

    /// <summary>A predicted box cut to the frame; null once the face has left it.</summary>
    static FaceBox? Clip(FaceBox box, int width, int height)
    {
        int x0 = Math.Max(0, box.X), y0 = Math.Max(0, box.Y);
        int x1 = Math.Min(width, box.Right), y1 = Math.Min(height, box.Bottom);
        return x1 - x0 >= 8 && y1 - y0 >= 8 ? new FaceBox(x0, y0, x1 - x0, y1 - y0) : null;
    }
}
