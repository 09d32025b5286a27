using System.Buffers;
using System.Threading.Channels;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Media;
using VideoAffect.Preprocessing;

namespace VideoAffect.Pipeline;

/// <summary>
/// Grayscale, Haar detection, and the network input of every face, cut while the grayscale frame
/// is at hand so it is never kept. Frames leave in the order they came.
/// </summary>
public sealed class DetectStage(IFaceDetector detector, FacePreprocessor preprocessor, int inputSize)
{
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
        foreach (var box in detector.Detect(gray))
        {
            var tensor = ArrayPool<float>.Shared.Rent(inputSize);
            preprocessor.Prepare(gray, box, tensor.AsSpan(0, inputSize));
            frame.Faces.Add(new FaceObservation(box, tensor));
        }
    }
}
