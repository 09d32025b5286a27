using System.Diagnostics;
using ILGPU.Runtime;
using VideoAffect.Detection;
using VideoAffect.Inference;

namespace VideoAffect.GpuKit;

/// <summary>
/// Many cameras on one GPU, with frames held in memory (no decoding: the GPU machine has no ffmpeg):
/// N streams, each paced at 30 fps on its own thread, each frame through the device's Haar cascade
/// (one detector per stream, on its own device stream) and its faces cut and classified on the
/// device (one network shared by all streams, a frame at a time). N doubles until a stream falls
/// behind; the report gives each N's slowest stream, the latency from a frame's due time to its
/// probabilities, and a frame's mean time in detection and in classification (with its wait for
/// the shared network), so that a step that falls behind says which of the two held it back.
/// </summary>
static class StreamLoad
{
    public sealed record Step(int Streams, double SlowestFps, double LatencyP50Ms, double LatencyP95Ms, bool RealTime, double DetectMs, double ClassifyMs);

    public static List<Step> Run(Accelerator accelerator, IlgpuBackend network, DetectorOptions options,
        IReadOnlyList<(byte[] Bgr, int Width, int Height)> frames, double fps, TimeSpan perStep, int maxStreams)
    {
        var steps = new List<Step>();
        var shared = new object();
        for (int n = 1; n <= maxStreams; n *= 2)
        {
            var detectors = Enumerable.Range(0, n).Select(_ => new IlgpuHaarDetector(options, accelerator, ownsAccelerator: false)).ToList();
            try
            {
                // A first frame each, untimed: buffers for the frame size, kernels compiled.
                foreach (var d in detectors) d.DetectBgr(frames[0].Bgr, frames[0].Width, frames[0].Height);
                var latencies = new List<double>[n];
                var counts = new int[n];
                var detectSeconds = new double[n];
                var classifySeconds = new double[n];
                var clock = Stopwatch.StartNew();
                var threads = Enumerable.Range(0, n).Select(s => new Thread(() =>
                {
                    var mine = latencies[s] = new List<double>();
                    var probabilities = new float[64 * network.Network.ClassCount];
                    for (int k = 0; ; k++)
                    {
                        var due = TimeSpan.FromSeconds(k / fps);
                        // The step ends on time even for a stream that has fallen behind.
                        if (due >= perStep || clock.Elapsed >= perStep) break;
                        var wait = due - clock.Elapsed;
                        if (wait > TimeSpan.Zero) Thread.Sleep(wait);
                        var (bgr, width, height) = frames[(k + s) % frames.Count];
                        long started = Stopwatch.GetTimestamp();
                        var faces = detectors[s].DetectBgr(bgr, width, height).Take(64).ToList();
                        long detected = Stopwatch.GetTimestamp();
                        if (faces.Count > 0)
                            lock (shared) network.RunOnFrames([new FrameFaces(bgr, width, height, faces)], probabilities);
                        detectSeconds[s] += Stopwatch.GetElapsedTime(started, detected).TotalSeconds;
                        classifySeconds[s] += Stopwatch.GetElapsedTime(detected).TotalSeconds;
                        mine.Add((clock.Elapsed - due).TotalMilliseconds);
                        counts[s]++;
                    }
                }) { IsBackground = true, Name = $"stream-{s}" }).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                double elapsed = clock.Elapsed.TotalSeconds;
                var all = latencies.SelectMany(l => l).Order().ToList();
                double slowest = counts.Min() / elapsed;
                double p95 = Percentile(all, 0.95);
                // Real time: every stream kept the pace, and frames were done within two frame intervals of their due time.
                bool realTime = slowest >= fps * 0.97 && p95 <= 2000 / fps;
                int frameCount = Math.Max(1, counts.Sum());
                steps.Add(new Step(n, slowest, Percentile(all, 0.5), p95, realTime, detectSeconds.Sum() * 1e3 / frameCount, classifySeconds.Sum() * 1e3 / frameCount));
                if (!realTime) break;
            }
            finally
            {
                foreach (var d in detectors) d.Dispose();
            }
        }
        return steps;
    }

    static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
}
