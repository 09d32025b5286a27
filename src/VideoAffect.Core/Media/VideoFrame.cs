using System.Runtime.InteropServices;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Detection;

namespace VideoAffect.Media;

/// <summary>A decoded BGR24 frame travelling down the pipeline with the faces found on it.</summary>
internal sealed class VideoFrame : IDisposable
{
    readonly FrameBufferPool _pool;

    internal VideoFrame(long index, double timestamp, int width, int height, FrameBufferPool pool)
    {
        Index = index; Timestamp = timestamp; Width = width; Height = height;
        _pool = pool;
        Pixels = pool.Rent();
    }

    /// <summary>0-based position in the source, in presentation order.</summary>
    public long Index { get; }
    /// <summary>Presentation time in seconds (for a live source: since the monitor started, where the source's own time puts the frame on that clock, never after it was read; see Live/SourceTimeline).</summary>
    public double Timestamp { get; set; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>Pinned BGR24 pixels, Width * Height * 3 bytes, rows packed.</summary>
    public byte[] Pixels { get; private set; }
    public int ByteCount => Width * Height * 3;
    public List<FaceObservation> Faces { get; } = new();
    /// <summary>
    /// Faces found on the frame that are not reported (in a zone, or their track never confirmed):
    /// no record, no label, but hidden with the others when the run anonymizes faces.
    /// </summary>
    public List<FaceBox> Uncounted { get; } = new();
    /// <summary>Which source it came from, for stages that serve several (the monitor's shared classifier).</summary>
    public int Stream { get; set; }
    /// <summary>Wall-clock time of the frame's <see cref="Timestamp"/> from a live source, or of its moment in a recording whose start was given (--recorded-at); null otherwise.</summary>
    public DateTime? CapturedUtc { get; set; }
    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of when a live frame was read from its source, for latency and the live queue's age.</summary>
    public long CapturedTicks { get; set; }
    /// <summary>
    /// A live frame's own time in its source (seconds, on its connection's clock, as ffmpeg gave it),
    /// before <see cref="Timestamp"/> maps it to the stream's clock: frames that came together are
    /// told by it (<see cref="Live.LiveQueue"/>), as the map places a burst after a stall at its arrival.
    /// </summary>
    internal double SourceTime { get; set; }
    /// <summary>The first frame of a live source's connection (or reconnection); the frames right after it often come together.</summary>
    public bool FirstOfConnection { get; set; }

    /// <summary>The frame's records once annotated, for the event sinks downstream (they outlive the pixels).</summary>
    public Records.FrameRecord? Record { get; set; }

    /// <summary>An OpenCV view of the pixels (no copy); dispose it before the frame.</summary>
    public Mat AsMat() => Mat.FromPixelData(Height, Width, MatType.CV_8UC3, Marshal.UnsafeAddrOfPinnedArrayElement(Pixels, 0));

    /// <summary>
    /// A frame of its own with the same pixels and times (no faces): for a second output that
    /// takes frames as the first does, each disposing its own (the recording and the restream).
    /// </summary>
    public VideoFrame CopyPixels()
    {
        var copy = new VideoFrame(Index, Timestamp, Width, Height, _pool) { CapturedUtc = CapturedUtc, CapturedTicks = CapturedTicks, Stream = Stream };
        Buffer.BlockCopy(Pixels, 0, copy.Pixels, 0, ByteCount);
        return copy;
    }

    public void Dispose()
    {
        foreach (var face in Faces) face.ReleaseInput();
        if (Pixels.Length > 0) _pool.Return(Pixels);
        Pixels = [];
    }
}

/// <summary>
/// One face on a frame: its box, what to classify (the network input cut on the host, or the crop
/// for a backend that cuts it on its device), then the prediction.
/// </summary>
internal sealed class FaceObservation(FaceBox box, float[]? input, int trackId = 0, bool detected = true, FaceBox? deviceCrop = null, Tracking.FaceTrack? track = null)
{
    public FaceBox Box { get; } = box;
    /// <summary>Keypoints from a detector that gives them (BlazeFace's eyes, nose, mouth and ears), on frames it ran; else null.</summary>
    public IReadOnlyList<Detection.Landmark>? Landmarks { get; init; }
    /// <summary>Stable id of the face across frames; 0 when tracking is off.</summary>
    public int TrackId { get; } = trackId;
    /// <summary>The track, whose confirmation may come frames later; null when tracking is off.</summary>
    public Tracking.FaceTrack? Track { get; } = track;
    /// <summary>Its track was never confirmed (kept only with --keep-tentative).</summary>
    public bool Tentative => Track is { Confirmed: false };
    /// <summary>False when the box is the tracker's prediction on a frame the detector skipped.</summary>
    public bool Detected { get; } = detected;
    /// <summary>The track's probabilities averaged over time; null without tracking.</summary>
    public EmotionPrediction? Smoothed { get; set; }
    /// <summary>What to show: the smoothed prediction when there is one.</summary>
    public EmotionPrediction? Display => Smoothed ?? Prediction;
    /// <summary>
    /// Preprocessed network input (rented from the shared float pool until classified); null for a
    /// tracked face that keeps its track's last prediction on this frame (--classify-every).
    /// </summary>
    public float[]? Input { get; private set; } = input;
    /// <summary>The region to classify when the backend preprocesses on its device (<see cref="Input"/> is then null).</summary>
    public FaceBox? DeviceCrop { get; } = deviceCrop;
    public EmotionPrediction? Prediction { get; set; }
    /// <summary>False when <see cref="Prediction"/> was carried over from the track's last classified frame.</summary>
    public bool Classified { get; set; } = input is not null || deviceCrop is not null;

    public void ReleaseInput()
    {
        if (Input is not null) System.Buffers.ArrayPool<float>.Shared.Return(Input);
        Input = null;
    }
}
