using System.Diagnostics;
using System.Threading.Channels;
using ILGPU.Runtime;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Media;
using VideoAffect.Pipeline;

namespace VideoAffect.GpuKit;

/// <summary>
/// Many cameras on one GPU, with frames held in memory (no decoding: the GPU machine has no ffmpeg),
/// arranged as <c>monitor</c> arranges them: N streams, each paced at 30 fps on its own thread,
/// each frame copied into a pooled buffer (as the decoder hands it over) and run through its own
/// detector (the device's Haar cascade on its own device stream); then one classifier for all
/// streams, the product's <see cref="ClassifyStage"/>, batching the faces of whichever frames are
/// waiting (the monitor's batch size and timeout), with a queue of two frames a stream in front of
/// it. (Until 2026-12-04 each stream classified its own frame under a lock: 8 streams fell to
/// 12.9 fps on the H200, and the report could not say why.) N doubles until a stream falls behind;
/// the report gives each N's slowest stream, the latency from a frame's due time to its
/// probabilities, a frame's mean time in detection, the classifier's busy time per frame and the
/// faces per forward pass, so that a step that falls behind says which side held it back.
/// </summary>
static class StreamLoad
{
    public sealed record Step(int Streams, double SlowestFps, double LatencyP50Ms, double LatencyP95Ms, bool RealTime,
        double DetectMs, double ClassifyMs, double FacesPerBatch, DateTime StartedUtc, double Seconds);

    /// <param name="packAfter">the detectors' packing schedule (null: each chooses its own on its first frames)</param>
    public static List<Step> Run(Accelerator accelerator, IInferenceBackend network, DetectorOptions options,
        IReadOnlyList<(byte[] Bgr, int Width, int Height)> frames, double fps, TimeSpan perStep, int maxStreams, IReadOnlyList<int>? packAfter = null)
    {
        var steps = new List<Step>();
        for (int n = 1; n <= maxStreams; n *= 2)
        {
            var step = RunStep(accelerator, network, options, frames, fps, perStep, n, packAfter);
            steps.Add(step);
            if (!step.RealTime) break;
        }
        return steps;
    }

    static Step RunStep(Accelerator accelerator, IInferenceBackend network, DetectorOptions options,
        IReadOnlyList<(byte[] Bgr, int Width, int Height)> frames, double fps, TimeSpan perStep, int n, IReadOnlyList<int>? packAfter)
    {
        var recognition = new RecognitionOptions();
        var detectors = Enumerable.Range(0, n).Select(_ => new IlgpuHaarDetector(options, accelerator, ownsAccelerator: false)).ToList();
        if (packAfter is not null)
            foreach (var d in detectors) d.PackAfter = packAfter;
        try
        {
            // A first frame each, untimed: buffers for the frame size, kernels compiled.
            foreach (var d in detectors) d.DetectBgr(frames[0].Bgr, frames[0].Width, frames[0].Height);
            var pools = frames.Select(f => f.Width * f.Height * 3).Distinct().ToDictionary(bytes => bytes, bytes => new FrameBufferPool(bytes));
            var toClassify = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2 * n) { SingleReader = true });
            var classified = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(2 * n) { SingleReader = true, SingleWriter = true });
            var classify = new ClassifyStage(network, recognition.BatchSize, recognition.BatchTimeout);
            var latencies = new List<double>();
            var counts = new int[n];
            var startedUtc = DateTime.UtcNow;
            var detectSeconds = new double[n];
            var clock = Stopwatch.StartNew();
            var classifying = Task.Run(() => classify.RunAsync(toClassify.Reader, classified.Writer, CancellationToken.None));
            var collecting = Task.Run(async () =>
            {
                await foreach (var frame in classified.Reader.ReadAllAsync())
                {
                    latencies.Add((clock.Elapsed.TotalSeconds - frame.Timestamp) * 1e3);
                    counts[frame.Stream]++;
                    frame.Dispose();
                }
            });
            var threads = Enumerable.Range(0, n).Select(s => new Thread(() =>
            {
                for (int k = 0; ; k++)
                {
                    var due = TimeSpan.FromSeconds(k / fps);
                    // The step ends on time even for a stream that has fallen behind.
                    if (due >= perStep || clock.Elapsed >= perStep) break;
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero) Thread.Sleep(wait);
                    var (bgr, width, height) = frames[(k + s) % frames.Count];
                    var frame = new VideoFrame(k, due.TotalSeconds, width, height, pools[bgr.Length]) { Stream = s };
                    bgr.AsSpan().CopyTo(frame.Pixels);
                    long started = Stopwatch.GetTimestamp();
                    foreach (var face in detectors[s].DetectBgr(frame.Pixels, width, height).Take(recognition.BatchSize))
                        frame.Faces.Add(new FaceObservation(face, input: null, deviceCrop: face));
                    detectSeconds[s] += Stopwatch.GetElapsedTime(started).TotalSeconds;
                    toClassify.Writer.WriteAsync(frame).AsTask().GetAwaiter().GetResult(); // waits while the classifier is behind, as a stream's queue does
                }
            }) { IsBackground = true, Name = $"stream-{s}" }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            toClassify.Writer.Complete();
            Task.WaitAll(classifying, collecting);
            double elapsed = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            double slowest = counts.Min() / elapsed;
            double p95 = Percentile(latencies, 0.95);
            // Real time: every stream kept the pace, and frames were done within two frame intervals of their due time.
            bool realTime = slowest >= fps * 0.97 && p95 <= 2000 / fps;
            int frameCount = Math.Max(1, counts.Sum());
            return new Step(n, slowest, Percentile(latencies, 0.5), p95, realTime, detectSeconds.Sum() * 1e3 / frameCount,
                classify.Busy.Seconds * 1e3 / frameCount, classify.Batches == 0 ? 0 : (double)classify.Faces / classify.Batches, startedUtc, elapsed);
        }
        finally
        {
            foreach (var d in detectors) d.Dispose();
        }
    }

    static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
}
