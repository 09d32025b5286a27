using System.Threading.Channels;
using FFMpegCore;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Media;
using VideoAffect.Model;
using VideoAffect.Model.Onnx;
using VideoAffect.Pipeline;

namespace VideoAffect.Benchmarking;

/// <summary>One measured rate, with what it was measured on.</summary>
internal sealed record BenchResult(string Clip, string Stage, string Backend, Measurement Measurement);

/// <summary>A ratio between two results of the same run.</summary>
internal sealed record BenchRatio(string Name, double Value);

internal sealed record BenchReport(DateTimeOffset Date, string Machine, IReadOnlyList<BenchResult> Results, IReadOnlyList<BenchRatio> Ratios, IReadOnlyList<string> Notes);

/// <summary>
/// Measures every stage and the whole pipeline per clip and backend, and the baselines in the same
/// run: ffmpeg's decode + encode (the ceiling), the seed's sequential loop, and OpenCV DNN on the
/// classifier, so that every speed-up is a ratio of numbers measured side by side.
/// </summary>
internal sealed class BenchmarkSuite(BenchOptions options, Action<string> log)
{
    readonly List<BenchResult> _results = new();
    readonly List<BenchRatio> _ratios = new();
    readonly List<string> _notes = new();

    public async Task<BenchReport> RunAsync(CancellationToken token)
    {
        var network = PretrainedModel.Load();
        var backends = ResolveBackends(network);
        await MeasureClassifierAsync(network, backends, token);
        await MeasureBlazeFaceAsync(backends, token);
        foreach (var (width, height) in options.Sizes)
            foreach (int faces in options.FaceCounts)
            {
                token.ThrowIfCancellationRequested();
                string clip = await BenchmarkClip.GetAsync(options.PhotoDirectory, options.WorkDirectory, width, height, faces, options.ClipSeconds);
                await MeasureClipAsync(clip, $"{width}x{height}, {faces} face{(faces > 1 ? "s" : "")}", network, backends, token);
            }
        string machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; devices: "
            + string.Join("; ", backends.Select(b => b.Device));
        return new BenchReport(DateTimeOffset.Now, machine, _results, _ratios, _notes);
    }

    List<(string Name, string Device)> ResolveBackends(Network network)
    {
        var wanted = options.Backends.SelectMany(b => b == "all" ? new[] { "cuda", "opencl", "cpu" } : [b]).Distinct().ToList();
        var usable = new List<(string, string)>();
        foreach (var name in wanted)
        {
            try
            {
                using var backend = BackendFactory.Create(name, network, 1);
                usable.Add((name, backend.DeviceName));
            }
            catch (VideoAffectException e) when (options.Backends.Contains("all"))
            {
                _notes.Add($"{name}: not measured ({e.Message})");
            }
        }
        if (options.Backends.Contains("all"))
            _notes.Add("ilgpu-cpu: not measured by 'all' (a simulator at about a second per face); name it with --backends to include it");
        return usable;
    }

    async Task MeasureClassifierAsync(Network network, List<(string Name, string Device)> backends, CancellationToken token)
    {
        var random = new Random(7);
        int largest = options.Batches.Max();
        var input = Enumerable.Range(0, largest * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var output = new float[largest * network.ClassCount];
        using var opencv = new OpenCvDnnRunner(network);
        foreach (int batch in options.Batches)
        {
            token.ThrowIfCancellationRequested();
            log($"classify, batch {batch}");
            int faces = Math.Max(batch, 64);
            var baseline = await Measurement.OfAsync($"classify b{batch}", "faces/s", options.Runs, () => Repeat(faces, batch, (i, n) => opencv.Run(input.AsSpan(0, n * 4096), n, output)));
            _results.Add(new BenchResult("-", $"classify batch {batch}", "opencv-dnn", baseline));
            foreach (var (name, _) in backends)
            {
                using var backend = BackendFactory.Create(name, network, batch);
                var m = await Measurement.OfAsync($"classify b{batch}", "faces/s", options.Runs, () => Repeat(faces, batch, (i, n) => backend.Run(input.AsSpan(0, n * 4096), n, output)));
                _results.Add(new BenchResult("-", $"classify batch {batch}", name, m));
                _ratios.Add(new BenchRatio($"classify batch {batch}: {name} / OpenCV DNN", m.Median / baseline.Median));
            }
        }
    }

    /// <summary>
    /// BlazeFace's forward pass per backend at batch 1 and the detector's batch, in frames/s and
    /// GFLOP/s, and on the CPU as a share of the FMA peak measured in the same run.
    /// </summary>
    async Task MeasureBlazeFaceAsync(List<(string Name, string Device)> backends, CancellationToken token)
    {
        var network = BlazeFaceModel.Load();
        log("FMA peak");
        double peak = FmaPeak.MeasureGflops();
        _notes.Add($"FMA peak of this machine's cores, measured in this run: {peak:0.0} GFLOP/s ({FmaPeak.Lanes * 32}-bit FMA chains on {Environment.ProcessorCount} cores)");
        var random = new Random(11);
        foreach (int batch in new[] { 1, FaceDetectorFactory.BlazeFaceBatch })
        {
            var input = Enumerable.Range(0, batch * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var outputs = network.Outputs.Select((_, k) => new float[batch * network.OutputShape(k).Size]).ToArray();
            foreach (var (name, _) in backends)
            {
                token.ThrowIfCancellationRequested();
                log($"blazeface forward, batch {batch}, {name}");
                using var backend = BackendFactory.Create(name, network, batch);
                int frames = Math.Max(32, batch);
                var m = await Measurement.OfAsync($"blazeface b{batch}", "frames/s", options.Runs, () => Repeat(frames, batch, (_, n) => backend.Run(input, n, outputs)));
                _results.Add(new BenchResult("-", $"blazeface forward batch {batch}", name, m));
                double gflops = m.Median * 2.0 * network.MultiplyAddsPerItem / 1e9;
                _notes.Add($"blazeface forward batch {batch} on {name}: {gflops:0.0} GFLOP/s" + (name == "cpu" ? $", {gflops / peak:P0} of the FMA peak" : ""));
            }
        }
    }

    static long Repeat(int faces, int batch, Action<int, int> run)
    {
        for (int done = 0; done < faces; done += batch) run(done, batch);
        return faces;
    }

    async Task MeasureClipAsync(string clip, string label, Network network, List<(string Name, string Device)> backends, CancellationToken token)
    {
        var info = await VideoProbe.ProbeAsync(clip, token);
        string scratch = Path.Combine(options.WorkDirectory, "out");
        Directory.CreateDirectory(scratch);
        void Add(string stage, string backend, Measurement m) => _results.Add(new BenchResult(label, stage, backend, m));

        log($"{label}: ffmpeg decode + encode");
        var ceiling = await Measurement.OfAsync("ffmpeg", "fps", options.Runs, async () =>
        {
            await FFMpegArguments.FromFileInput(FfmpegPath.Escape(clip), verifyExists: false).OutputToFile(FfmpegPath.Escape(Path.Combine(scratch, "ceiling.mp4")), true, o => o
                .WithVideoCodec("libx264").WithCustomArgument("-preset veryfast -crf 20 -pix_fmt yuv420p")).ProcessAsynchronously();
            return info.ExpectedFrames;
        });
        Add("ffmpeg decode + encode (ceiling)", "-", ceiling);

        log($"{label}: decode");
        Add("decode", "-", await Measurement.OfAsync("decode", "fps", options.Runs, () => DecodeOnlyAsync(info, token)));

        log($"{label}: detect");
        var grays = await DecodeGrayAsync(info, token);
        // Both detectors with every core on one frame at a time: OpenCV through its own threads, ours through its crew.
        Measurement openCv, simd;
        int cores = Environment.ProcessorCount, openCvThreads = OpenCvSharp.Cv2.GetNumThreads();
        OpenCvSharp.Cv2.SetNumThreads(cores);
        using (var detector = new OpenCvHaarDetector(options.Detector))
            openCv = await Measurement.OfAsync("detect", "fps", options.Runs, () =>
            {
                foreach (var g in grays) detector.Detect(g);
                return grays.Count;
            });
        OpenCvSharp.Cv2.SetNumThreads(openCvThreads);
        Add($"detect (OpenCV Haar, {cores} threads)", "-", openCv);
        long windows = 0, features = 0;
        using (var detector = new Detection.Simd.SimdHaarDetector(options.Detector, cores))
            simd = await Measurement.OfAsync("detect", "fps", options.Runs, () =>
            {
                windows = features = 0;
                foreach (var g in grays)
                {
                    detector.Detect(g);
                    (windows, features) = (windows + detector.LastFrame.Windows, features + detector.LastFrame.Features);
                }
                return grays.Count;
            });
        Add($"detect (SIMD Haar, {cores} threads)", "-", simd);
        _ratios.Add(new BenchRatio($"{label}: detect SIMD / OpenCV (same faces, {cores} threads each)", simd.Median / openCv.Median));
        _notes.Add($"{label}: the SIMD cascade tried {windows / Math.Max(1, grays.Count):N0} windows per frame ({windows / Math.Max(1, grays.Count) * simd.Median / 1e6:0.0} million windows/s), {(double)features / Math.Max(1, windows):0.0} features per window");
        foreach (var g in grays) g.Dispose();

        log($"{label}: detect, BlazeFace");
        var frames = await DecodeBgrAsync(info, token);
        using (var cpu = BackendFactory.Create("cpu", PretrainedModel.Load(), 1))
        using (var blaze = FaceDetectorFactory.CreateBlazeFace(options.Detector, cpu))
        {
            var blazeRate = await Measurement.OfAsync("detect", "fps", options.Runs, () =>
            {
                blaze.DetectFaces(frames.Select(f => ((ReadOnlyMemory<byte>)f, info.Width, info.Height)).ToList());
                return frames.Count;
            });
            Add($"detect (BlazeFace, cpu, batch {FaceDetectorFactory.BlazeFaceBatch})", "cpu", blazeRate);
            _ratios.Add(new BenchRatio($"{label}: detect BlazeFace / OpenCV Haar ({cores} threads each)", blazeRate.Median / openCv.Median));
        }

        log($"{label}: the seed's sequential loop");
        var seed = await Measurement.OfAsync("seed loop", "fps", options.Runs, () => SeedLoop.Run(clip, Path.Combine(scratch, "seed.mp4"), network, options.Detector));
        Add("seed loop (sequential, per-face OpenCV DNN, mp4v)", "-", seed);

        foreach (var (name, _) in backends)
        {
            foreach (var (every, stage, detector) in new[] { (1, "pipeline", "auto"), (options.TrackedEvery, $"pipeline, detect+classify every {options.TrackedEvery}", "auto"), (1, "pipeline, blazeface", "blazeface") })
            {
                log($"{label}: {stage} on {name}");
                IReadOnlyDictionary<string, double>? busy = null;
                var m = await Measurement.OfAsync(stage, "fps", options.Runs, async () =>
                {
                    var summary = await new VideoAnalyzer(new AnalyzeOptions
                    {
                        InputPath = clip,
                        OutputPath = Path.Combine(scratch, "pipeline.mp4"),
                        EventsPath = Path.Combine(scratch, "pipeline.jsonl"),
                        Recognition = new RecognitionOptions { Backend = name, Detector = options.Detector, DetectorKind = detector, DetectEvery = every, ClassifyEvery = every },
                    }).RunAsync(token);
                    busy = summary.StageBusySeconds;
                    return summary.FramesWritten;
                });
                Add(stage, name, m);
                if (busy is not null)
                    _notes.Add($"{label}: {stage} on {name}, busy time per stage in the last run: {string.Join(", ", busy.Select(kv => $"{kv.Key} {kv.Value:0.00} s"))}");
                _ratios.Add(new BenchRatio($"{label}: {stage} on {name} / seed loop", m.Median / seed.Median));
                _ratios.Add(new BenchRatio($"{label}: {stage} on {name} / ffmpeg ceiling", m.Median / ceiling.Median));
            }
        }
    }

    static async Task<long> DecodeOnlyAsync(VideoInfo info, CancellationToken token)
    {
        var channel = Channel.CreateBounded<VideoFrame>(8);
        var decoder = new VideoFileDecoder(info, new FrameBufferPool(info.FrameBytes));
        var decoding = decoder.RunAsync(channel.Writer, token);
        long frames = 0;
        await foreach (var frame in channel.Reader.ReadAllAsync(token)) { frame.Dispose(); frames++; }
        await decoding;
        return frames;
    }

    static async Task<List<byte[]>> DecodeBgrAsync(VideoInfo info, CancellationToken token)
    {
        var channel = Channel.CreateBounded<VideoFrame>(8);
        var decoder = new VideoFileDecoder(info, new FrameBufferPool(info.FrameBytes));
        var decoding = decoder.RunAsync(channel.Writer, token);
        var frames = new List<byte[]>();
        await foreach (var frame in channel.Reader.ReadAllAsync(token))
            using (frame)
                frames.Add(frame.Pixels.AsSpan(0, frame.ByteCount).ToArray());
        await decoding;
        return frames;
    }

    static async Task<List<Mat>> DecodeGrayAsync(VideoInfo info, CancellationToken token)
    {
        var channel = Channel.CreateBounded<VideoFrame>(8);
        var decoder = new VideoFileDecoder(info, new FrameBufferPool(info.FrameBytes));
        var decoding = decoder.RunAsync(channel.Writer, token);
        var grays = new List<Mat>();
        await foreach (var frame in channel.Reader.ReadAllAsync(token))
            using (frame)
            using (var bgr = frame.AsMat())
                grays.Add(bgr.CvtColor(ColorConversionCodes.BGR2GRAY));
        await decoding;
        return grays;
    }
}
