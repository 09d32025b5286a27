using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Model;
using VideoAffect.Model.Onnx;
using VideoAffect.Pipeline;
using VideoAffect.Preprocessing;

namespace VideoAffect.Benchmarking;

/// <summary>
/// The seed paper's algorithm as its Python users run it, with the same libraries in-process:
/// OpenCV reads a frame, the Haar cascade finds faces, OpenCV DNN classifies each face on its own,
/// OpenCV draws and an mp4v VideoWriter encodes: one frame after another, no pipelining, no batching.
/// The baseline the pipeline's speed-up is measured against.
/// </summary>
internal static class SeedLoop
{
    /// <summary>Processes the whole clip; returns the frames done.</summary>
    public static long Run(string input, string output, Network network, DetectorOptions detectorOptions)
    {
        using var capture = new VideoCapture(input);
        if (!capture.IsOpened()) throw new VideoAffectException($"OpenCV cannot open '{input}'");
        double fps = capture.Fps > 0 ? capture.Fps : 30;
        using var frame = new Mat();
        using var gray = new Mat();
        using var detector = new OpenCvHaarDetector(detectorOptions);
        using var preprocessor = new FacePreprocessor(network.Input);
        using var dnn = new OpenCvDnnRunner(network);
        VideoWriter? writer = null;
        var input1 = new float[network.InputShape.Size];
        var probabilities = new float[network.ClassCount];
        long frames = 0;
        try
        {
            while (capture.Read(frame) && !frame.Empty())
            {
                writer ??= new VideoWriter(output, VideoWriter.FourCC('m', 'p', '4', 'v'), fps, frame.Size());
                Cv2.CvtColor(frame, gray, ColorConversionCodes.BGR2GRAY);
                foreach (var box in detector.Detect(gray))
                {
                    preprocessor.Prepare(gray, box, input1);
                    dnn.Run(input1, 1, probabilities);
                    int best = Array.IndexOf(probabilities, probabilities.Max());
                    var rect = new Rect(box.X, box.Y, box.Width, box.Height);
                    Cv2.Rectangle(frame, rect, Scalar.Yellow, 2);
                    Cv2.PutText(frame, $"{network.Labels[best]} {probabilities[best] * 100:0}%", new Point(box.X, Math.Max(10, box.Y - 5)),
                        HersheyFonts.HersheySimplex, 0.6, Scalar.Yellow, 2);
                }
                writer.Write(frame);
                frames++;
            }
        }
        finally
        {
            writer?.Dispose();
        }
        return frames;
    }
}
