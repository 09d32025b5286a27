using System.Buffers;
using System.Threading.Channels;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Media;
using VideoAffect.Preprocessing;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// Grayscale, Haar detection, tracking, and the network input of every face, cut while the
/// grayscale frame is at hand so it is never kept. With a tracker and <c>detectEvery</c> N &gt; 1,
/// the detector runs on every Nth frame and the frames between take the tracks' predicted boxes.
/// Frames leave in the order they came.
/// </summary>
public sealed class DetectStage(IFaceDetector detector, FacePreprocessor preprocessor, int inputSize, IouTracker? tracker = null, int detectEvery = 1, int classifyEvery = 1)
{
    readonly HashSet<int> _classifiedTracks = new();

    /// <summary>Frames the detector ran on.</summary>
    public long DetectorRuns { get; private set; }

    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        using var gray = new Mat();
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                try { Detect(frame, gray); }
                catch { frame.Dispose(); throw; }
                await output.WriteAsync(frame, token);
            }
        }
        catch (Exception e) { error = e; throw; }
        finally { output.TryComplete(error ?? input.UpstreamError()); }
    }

    void Detect(VideoFrame frame, Mat gray)
    {
        using (var bgr = frame.AsMat())
            Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
        if (tracker is null)
        {
            DetectorRuns++;
            foreach (var box in detector.Detect(gray)) AddFace(frame, gray, box, 0, true);
        }
        else if (frame.Index % detectEvery == 0)
        {
            DetectorRuns++;
            var boxes = detector.Detect(gray);
            var tracks = tracker.Update(boxes, frame.Index);
            for (int i = 0; i < boxes.Count; i++) AddFace(frame, gray, boxes[i], tracks[i].Id, true);
        }
        else
        {
            foreach (var (track, box) in tracker.Coast(frame.Index))
            {
                var clipped = Clip(box, frame.Width, frame.Height);
                if (clipped is { } b) AddFace(frame, gray, b, track.Id, false);
            }
        }
    }

    void AddFace(VideoFrame frame, Mat gray, FaceBox box, int trackId, bool detected)
    {
        // A tracked face is classified on every Kth frame (and on its first); in between it keeps
        // its track's last prediction, filled in by the annotate stage.
        bool classify = trackId == 0 || frame.Index % classifyEvery == 0 || _classifiedTracks.Add(trackId);
        if (!classify)
        {
            frame.Faces.Add(new FaceObservation(box, null, trackId, detected));
            return;
        }
        var tensor = ArrayPool<float>.Shared.Rent(inputSize);
        preprocessor.Prepare(gray, box, tensor.AsSpan(0, inputSize));
        frame.Faces.Add(new FaceObservation(box, tensor, trackId, detected));
    }

    /// <summary>A predicted box cut to the frame; null once the face has left it.</summary>
    static FaceBox? Clip(FaceBox box, int width, int height)
    {
        int x0 = Math.Max(0, box.X), y0 = Math.Max(0, box.Y);
        int x1 = Math.Min(width, box.Right), y1 = Math.Min(height, box.Bottom);
        return x1 - x0 >= 8 && y1 - y0 >= 8 ? new FaceBox(x0, y0, x1 - x0, y1 - y0) : null;
    }
}
