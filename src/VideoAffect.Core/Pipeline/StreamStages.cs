using System.Threading.Channels;
using VideoAffect.Detection;
using VideoAffect.Media;
using VideoAffect.Preprocessing;
using VideoAffect.Sinks;

namespace VideoAffect.Pipeline;

/// <summary>
/// One stream's chain around the classifier: detect + track before it; confirm, then smooth, draw
/// and record, then the event sinks after it. Each is a stage on its own channels; this only joins them.
/// </summary>
internal sealed class StreamStages(string name, IReadOnlyList<IFaceDetector> detectors, FacePreprocessor preprocessor,
    DetectStage detect, ConfirmationGate gate, AnnotateStage annotate, SinkStage? sinks) : IDisposable
{
    public string Name => name;
    public DetectStage Detect => detect;
    public AnnotateStage Annotate => annotate;
    public ConfirmationGate Gate => gate;

    public string DetectorDescription => detectors[0] switch
    {
        IlgpuHaarDetector ilgpu => $"ilgpu ({ilgpu.DeviceName})",
        Detection.Simd.SimdHaarDetector simd => simd.Description,
        Detection.BlazeFace.BlazeFaceDetector blaze => blaze.Description,
        SharedFaceDetector { Detector: Detection.BlazeFace.BlazeFaceDetector blaze } => blaze.Description,
        _ => "opencv",
    };

    /// <summary>Frames in, frames with their faces (and what to classify) out.</summary>
    public void RunDetection(StageGroup group, ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output) =>
        group.Stage(() => detect.RunAsync(input, output, group.Abort));

    /// <summary>Classified frames in, annotated frames with their records sent out; <paramref name="queue"/> makes the channels between.</summary>
    public void RunAfterClassification(StageGroup group, ChannelReader<VideoFrame> classified, ChannelWriter<VideoFrame> output, Func<Channel<VideoFrame>> queue)
    {
        var confirmed = queue();
        group.Stage(() => gate.RunAsync(classified, confirmed.Writer, group.Abort));
        if (sinks is null)
        {
            group.Stage(() => annotate.RunAsync(confirmed.Reader, output, group.Abort));
            return;
        }
        var annotated = queue();
        group.Stage(() => annotate.RunAsync(confirmed.Reader, annotated.Writer, group.Abort));
        group.Stage(() => sinks.RunAsync(annotated.Reader, output, group.Abort));
    }

    /// <summary>
    /// One detection on a small textured frame per detector before the frames come, so code
    /// compilation and first allocations do not fall on a live stream's first frames (they used to
    /// cost a few dropped frames and most of a short run's 95th-percentile latency).
    /// </summary>
    public void WarmUpDetectors()
    {
        using var frame = new OpenCvSharp.Mat(120, 160, OpenCvSharp.MatType.CV_8UC1);
        OpenCvSharp.Cv2.Randu(frame, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        // Views of one shared detector (BlazeFace) warm it up once.
        foreach (var detector in detectors.Select(d => d is SharedFaceDetector shared ? shared.Detector : d).Distinct()) detector.Detect(frame);
    }

    public void Dispose()
    {
        foreach (var detector in detectors) detector.Dispose();
        preprocessor.Dispose();
    }
}
