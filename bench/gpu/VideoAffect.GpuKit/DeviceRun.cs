using System.Diagnostics;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Model;

namespace VideoAffect.GpuKit;

/// <summary>
/// Run on the GPU machine from the kit folder alone (no OpenCV, no ffmpeg there): the CUDA path
/// against what this machine's CPU made of the same inputs, then its speed. With dryRun, the same
/// on ILGPU's CPU accelerator with the kit's tiny sizes, so the kit is exercised by the tests.
/// </summary>
static class DeviceRun
{
    /// <summary>Largest difference allowed between a device probability and the managed backend's (float32, other summation order).</summary>
    public const float ProbabilityTolerance = 1e-4f;

    /// <param name="outDirectory">where the report is written after every section, so that a run cut short (a CUDA error that poisons the context, the device tool's time limit) still leaves what it found</param>
    /// <param name="skip">parts left out: "training", "speed" (a quick re-check)</param>
    public static KitReport Run(string dataDirectory, string outDirectory, bool dryRun, TimeSpan timePerItem, IReadOnlySet<string> skip)
    {
        var data = KitData.Load(dataDirectory);
        string P(string file) => Path.Combine(dataDirectory, file);
        var report = new KitReport { PackedOn = data.PackedOn, OutputDirectory = outDirectory };
        string backendName = dryRun ? "ilgpu-cpu" : "cuda";
        Accelerator? created = null;
        // A dry run simulates a GPU's group shapes on the CPU (groups of up to 1,024 threads).
        report.Section("the accelerator", () => created = dryRun ? IlgpuRuntime.CreateGpuShapedCpuAccelerator() : CudaAccelerator());
        if (created is null) return report;
        using var accelerator = created;
        report.Device = $"{accelerator.AcceleratorType}: {accelerator.Name}, {accelerator.NumMultiprocessors} multiprocessors, {accelerator.MemorySize >> 20} MiB, groups of up to {accelerator.MaxNumThreadsPerGroup} threads in warps of {accelerator.WarpSize}";
        report.PeakGflops = GpuPeak.Fp32Gflops(accelerator);

        var network = PretrainedModel.Load(P(data.ModelDirectory));
        int inputSize = network.InputShape.Size, classes = network.ClassCount;
        int maxBatch = data.Batches.Max();
        var inputs = KitData.ReadFloats(P(data.InputsFile));
        IlgpuBackend? backend = null;
        var frames = data.Frames.Select(f => (Frame: f, Bgr: File.ReadAllBytes(P(f.BgrFile)))).ToList();
        var options = new DetectorOptions
        {
            CascadePath = P(data.CascadeFile), ScaleFactor = data.Detector.ScaleFactor, MinNeighbors = data.Detector.MinNeighbors,
            MinFaceSize = data.Detector.MinFaceSize, MaxFaceSize = data.Detector.MaxFaceSize,
        };
        IlgpuHaarDetector? haar = null;
        Network? blazeNetwork = null;
        IlgpuBackend? blazeBackend = null;
        int blazeBatch = dryRun ? 1 : FaceDetectorFactory.BlazeFaceBatch;
        try
        {
            // 1. The network against the managed backend, on faces and random inputs, then layer by
            // layer, so a failure names the kernel (expectations from this machine's CPU).
            report.Section("the emotion network", () =>
            {
                // The checks run the default kernels (those of the earlier runs); the variants are checked on their own and timed only after them.
                backend = new IlgpuBackend(network, accelerator, backendName, maxBatch, ownsAccelerator: false) { TuneKernels = false };
                var expected = KitData.ReadFloats(P(data.ExpectedProbabilitiesFile));
                var actual = new float[expected.Length];
                for (int start = 0; start < data.InputCount; start += maxBatch)
                {
                    int n = Math.Min(maxBatch, data.InputCount - start);
                    backend.Run(inputs.AsSpan(start * inputSize, n * inputSize), n, actual.AsSpan(start * classes, n * classes));
                }
                report.Check("network forward pass vs managed CPU", MaxDifference(actual, expected), ProbabilityTolerance, $"{data.InputCount} inputs");
                DeviceChecks.Layers(report, network, backend, inputs, Math.Min(4, data.InputCount));
            });

            // 2. Faces cut, resized and normalised on the device (the pipeline's GPU path), and 3. the Haar kernels.
            report.Section("Haar and the device crop", () =>
            {
                haar = new IlgpuHaarDetector(options, accelerator, ownsAccelerator: false, tunePacking: false); // the checks run the default packing; every schedule is checked later
                foreach (var (frame, bgr) in frames)
                {
                    string what = $"{frame.Name} {frame.Width}x{frame.Height}";
                    if (frame.OpenCvFaces.Count > 0 && backend is not null)
                        DeviceChecks.DeviceCrops(report, backend, what, frame, bgr, P);
                    DeviceChecks.HaarCandidates(report, options, accelerator, what, bgr, frame.Width, frame.Height);
                    var boxes = haar.DetectBgr(bgr, frame.Width, frame.Height);
                    var ours = boxes.OrderBy(b => (b.Y, b.X, b.Width)).ToList();
                    var theirs = frame.OpenCvFaces.OrderBy(b => (b.Y, b.X, b.Width)).ToList();
                    report.Check($"Haar faces vs OpenCV, {what}", ours.SequenceEqual(theirs) ? 0 : 1, 0,
                        $"ours {ours.Count}, OpenCV {theirs.Count}" + (ours.SequenceEqual(theirs) ? "" : $"; only ours: {string.Join(" ", ours.Except(theirs))}; only OpenCV's: {string.Join(" ", theirs.Except(ours))}"));
                }
            });

            // 4. BlazeFace: its graph layer by layer (a GPU only: a minute a frame on ILGPU's CPU accelerator),
            // then the detector with the device letterbox against the managed path on the same frames.
            // (Not in a dry run: 40 s of a simulated GPU per frame; the device letterbox and BlazeFace's graph on
            // ilgpu-cpu are the tests' DeviceLetterboxTests and BlazeFaceGraphTests.)
            report.Section("BlazeFace", () =>
            {
                blazeNetwork = BlazeFaceModel.Load(Path.Combine(P(data.ModelDirectory), BlazeFaceModel.JsonFile));
                blazeBackend = new IlgpuBackend(blazeNetwork, accelerator, backendName, blazeBatch, ownsAccelerator: false) { TuneKernels = false };
                using var blaze = new BlazeFaceDetector(blazeBackend, new DetectorOptions(), ownsBackend: false);
                foreach (var (frame, bgr) in dryRun ? [] : frames)
                {
                    DeviceChecks.BlazeFaceFaces(report, blaze, $"{frame.Name} {frame.Width}x{frame.Height}", bgr, frame.Width, frame.Height, frame.BlazeFaces);
                    if (frame == frames[0].Frame) DeviceChecks.BlazeFaceLayers(report, blazeNetwork, blazeBackend);
                }
            });

            // 5. ONNX import: each generated model (every op the importer maps) layer by layer against the managed path.
            var random = new Random(22);
            foreach (var file in data.OnnxModels)
                report.Section($"ONNX {file}", () =>
                {
                    var imported = Model.Onnx.OnnxImporter.LoadGraph(File.ReadAllBytes(Path.Combine(dataDirectory, "onnx", file)), file);
                    const int batch = 4;
                    var input = Enumerable.Range(0, batch * imported.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                    using var onnxBackend = new IlgpuBackend(imported, accelerator, backendName, batch, ownsAccelerator: false) { TuneKernels = false };
                    DeviceChecks.GraphLayers(report, $"ONNX {file} ", imported, onnxBackend, input, batch);
                });

            // 6. Training: the backward kernels and Adam, three steps against the managed path.
            if (!skip.Contains("training"))
                report.Section("training", () => DeviceChecks.Training(report, backendName, dryRun ? 4 : 64, small: dryRun));
            // Every variant the layers' timers may choose, against the reference variant: the checks above ran the defaults, and no variant is timed (or chosen) before this.
            if (backend is not null)
                report.Section("kernel variants", () =>
                {
                    foreach (var a in KernelVariants.Run(accelerator, network, batch: dryRun ? 1 : 8, maxLayers: dryRun ? 1 : int.MaxValue))
                        report.Check($"layer {a.Layer} {a.Name}, {a.Variant} vs {a.Reference}", a.Difference, 1e-5, "relative to the largest output");
                });
            // The Haar cascade's packing schedules, each of which the detector may choose: the checks above ran the default.
            report.Section("packing schedules", () =>
            {
                foreach (var (frame, bgr) in frames.DistinctBy(f => (f.Frame.Width, f.Frame.Height)))
                    DeviceChecks.HaarCandidatesByEverySchedule(report, options, accelerator, $"{frame.Name} {frame.Width}x{frame.Height}", bgr, frame.Width, frame.Height,
                        maxSchedules: dryRun ? 3 : int.MaxValue);
            });
            if (skip.Contains("speed")) return report;

            // From here on each layer times its kernel variants and takes the fastest, as the product does on a GPU.
            if (backend is not null) backend.TuneKernels = true;
            if (blazeBackend is not null) blazeBackend.TuneKernels = true;

            // Speed: the network at each batch, then BlazeFace and Haar per frame size, then many streams at once.
            if (backend is not null)
                report.Section("network speed", () =>
                {
                    foreach (int batch in data.Batches)
                    {
                        var batchInput = new float[batch * inputSize];
                        for (int i = 0; i < batch; i++) inputs.AsSpan(i % data.InputCount * inputSize, inputSize).CopyTo(batchInput.AsSpan(i * inputSize));
                        var output = new float[batch * classes];
                        double seconds = Time(() => backend.Run(batchInput, batch, output), timePerItem, out int runs, warmUp: !dryRun);
                        double facesPerSecond = batch * runs / seconds;
                        double gflops = 2.0 * network.MultiplyAddsPerItem * facesPerSecond / 1e9;
                        report.Speeds.Add(new KitReport.Speed($"network, batch {batch}", facesPerSecond, "faces/s", gflops,
                            report.PeakGflops is { } peak ? gflops / peak : null));
                    }
                });
            // Where the network's time goes: each layer's kernels alone at the largest batch up to 1,024.
            if (backend is not null)
                report.Section("network layers", () =>
                {
                    int batch = data.Batches.Where(b => b <= 1024).Max();
                    var batchInput = new float[batch * inputSize];
                    for (int i = 0; i < batch; i++) inputs.AsSpan(i % data.InputCount * inputSize, inputSize).CopyTo(batchInput.AsSpan(i * inputSize));
                    backend.Run(batchInput, batch, new float[batch * classes]);
                    var seconds = backend.TimeLayers(batch, dryRun ? 1 : 20);
                    for (int i = 1; i < seconds.Length; i++)
                    {
                        var layer = network.Layers[i];
                        double gflops = 2.0 * layer.MultiplyAdds * batch / seconds[i] / 1e9;
                        report.Speeds.Add(new KitReport.Speed($"layer {i} {layer.Op} {layer.OutputShape}, batch {batch} ({seconds[i] / seconds.Sum():P0} of the layers' time)",
                            seconds[i] * 1e3, "ms", layer.MultiplyAdds > 0 ? gflops : null, layer.MultiplyAdds > 0 && report.PeakGflops is { } peak ? gflops / peak : null));
                    }
                });
            // The kernel each layer chose (GEMM tile layout or direct; depthwise channels a thread) per batch class, when the runs above first met it (GPUs only: the CPU accelerator takes the defaults).
            if (backend is not null)
                foreach (var (layer, choice) in backend.TacticChoices().Where(c => c.Choice.Seconds.Count > 0))
                {
                    // A kernel variant the GPU refused is left out by the product, but it is a defect of ours: fail the kit on it.
                    foreach (var (tactic, error) in choice.Failures)
                        report.Check($"kernel tactic {tactic} runs, layer {layer} {network.Layers[layer].Op} {network.Layers[layer].OutputShape}, batches up to {choice.MaxBatch}",
                            1, 0, error.Replace('|', '/'));
                    report.Speeds.Add(new KitReport.Speed(
                        $"kernel chosen, layer {layer} {network.Layers[layer].Op} {network.Layers[layer].OutputShape}, batches up to {choice.MaxBatch}: {choice.Tactic} ("
                        + string.Join(", ", choice.Seconds.Select(s => double.IsFinite(s.Seconds) ? $"{s.Tactic} {s.Seconds * 1e3:0.###} ms"
                            // No time and no failure: a variant left untimed (the CPU accelerator times none: its simulated times say nothing of a GPU's).
                            : choice.Failures.Any(f => f.Tactic == s.Tactic) ? $"{s.Tactic} failed" : $"{s.Tactic} not timed")) + ")",
                        choice.Seconds.First(s => s.Tactic == choice.Tactic).Seconds * 1e3, "ms", null, null));
                }
            if (backend is not null)
                report.Section("GEMM group shapes", () =>
                {
                    int batch = dryRun ? 1 : data.Batches.Where(b => b <= 1024).Max();
                    var (timings, agreements) = dryRun ? GemmShapes.Run(accelerator, network, batch, runs: 1, maxLayers: 1, maxShapes: 2) : GemmShapes.Run(accelerator, network, batch, runs: 10);
                    foreach (var a in agreements)
                        report.Check($"GEMM layer {a.Layer} {a.Name}, {Name(a.Layout)} tiles vs strided", a.Difference, 1e-5, $"groups of {a.Shape.Tx}x{a.Shape.Ty}; relative to the largest output");
                    foreach (var t in timings)
                        report.Speeds.Add(new KitReport.Speed($"GEMM layer {t.Layer} {t.Name}, batch {batch}, groups of {t.Shape.Tx}x{t.Shape.Ty}, {Name(t.Layout)} tiles{(t.Chosen ? " (the rule's)" : "")}",
                            t.Seconds * 1e3, "ms", t.Gflops, report.PeakGflops is { } peak ? t.Gflops / peak : null));
                });
            // (Not in a dry run: two passes of a simulated GPU would add a minute to the test and measure nothing.)
            if (blazeBackend is not null && blazeNetwork is not null && !dryRun)
                report.Section("BlazeFace speed", () =>
                {
                    foreach (int batch in new[] { 1, blazeBatch })
                    {
                        var blazeInput = new float[batch * blazeNetwork.InputShape.Size];
                        var blazeOutputs = blazeNetwork.Outputs.Select((_, k) => new float[batch * blazeNetwork.OutputShape(k).Size]).ToArray();
                        double seconds = Time(() => blazeBackend.Run(blazeInput, batch, blazeOutputs), timePerItem, out int runs);
                        double framesPerSecond = batch * runs / seconds, gflops = 2.0 * blazeNetwork.MultiplyAddsPerItem * framesPerSecond / 1e9;
                        report.Speeds.Add(new KitReport.Speed($"BlazeFace forward, batch {batch}", framesPerSecond, "frames/s", gflops,
                            report.PeakGflops is { } peak ? gflops / peak : null));
                    }
                });
            if (haar is not null)
                report.Section("Haar speed", () =>
                {
                    // Now as the product runs on a GPU: each frame size's packing chosen on its first frames (the dry run too, so its trials are exercised).
                    haar.Dispose();
                    // The dry run tries two candidates besides the fallback: on the CPU simulator each trial is a whole frame (14 s of
                    // the dry run's 45 for all twelve, twice each). Every schedule finds the same windows: the part above checks
                    // that on three, the suite's kernel tests on more (HaarDetectorTests).
                    haar = new IlgpuHaarDetector(options, accelerator, ownsAccelerator: false, tunePacking: true,
                        packingCandidates: dryRun ? [[], [1, 3, 6, 10]] : null);
                    foreach (var group in frames.GroupBy(f => (f.Frame.Width, f.Frame.Height)))
                    {
                        var list = group.ToList();
                        int next = 0;
                        // The detector's packing trials first (its first frames of a size each try a schedule), so the rate below is its steady one;
                        // on one frame, the one with the most faces, as a video's first frames are much alike (cycling the few kit frames would
                        // give each schedule always the same one of them).
                        var (trialFrame, trialBgr) = list.MaxBy(f => f.Frame.OpenCvFaces.Count);
                        for (int trial = 0; haar.PackingChoice(group.Key.Width, group.Key.Height) is null && trial < 100; trial++)
                            haar.DetectBgr(trialBgr, trialFrame.Width, trialFrame.Height);
                        double seconds = Time(() => { var (f, bgr) = list[next++ % list.Count]; haar.DetectBgr(bgr, f.Width, f.Height); }, timePerItem, out int runs, warmUp: !dryRun);
                        report.Speeds.Add(new KitReport.Speed($"Haar {group.Key.Width}x{group.Key.Height} (upload, gray, pyramid, cascade, grouping)", runs / seconds, "frames/s", null, null));
                        // The packing schedule the detector chose for this size on its first frames (each frame's whole detection timed).
                        if (haar.PackingChoice(group.Key.Width, group.Key.Height) is { } packing)
                            report.Speeds.Add(new KitReport.Speed($"Haar {group.Key.Width}x{group.Key.Height} packing chosen: {IlgpuHaarDetector.ScheduleName(packing.Chosen)} ("
                                + string.Join(", ", packing.Times.Select(t => $"{IlgpuHaarDetector.ScheduleName(t.Schedule)} {t.Seconds * 1e3:0.00} ms")) + " a frame, best of its trials)",
                                packing.Times.First(t => t.Schedule.SequenceEqual(packing.Chosen)).Seconds * 1e3, "ms", null, null));
                        // Where a frame's time goes, step by step, on the frame with the most faces.
                        var (busiest, busiestBgr) = list.MaxBy(f => f.Frame.OpenCvFaces.Count);
                        foreach (var (step, stepSeconds) in haar.TimeSteps(busiestBgr, busiest.Width, busiest.Height, dryRun ? 1 : 50))
                            report.Speeds.Add(new KitReport.Speed($"Haar {busiest.Width}x{busiest.Height} step: {step} ({busiest.Name})", stepSeconds * 1e3, "ms", null, null));
                        // The CPU baseline on this machine's cores: the GPU machine's python3 cv2 may lack the
                        // cascade (OpenCV 5 moved it out: so on the H200 image, 2026-12-04), so our SIMD
                        // cascade stands in, whose windows are OpenCV's (tested against it, and checked above).
                        var grays = list.Select(f => (f.Frame, Gray: DeviceChecks.Gray(f.Bgr, f.Frame.Width, f.Frame.Height))).ToList();
                        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
                        {
                            using var simd = new Detection.Simd.SimdHaarDetector(options, threads);
                            int nextGray = 0;
                            double cpuSeconds = Time(() =>
                            {
                                var (f, gray) = grays[nextGray++ % grays.Count];
                                Detection.Cascade.RectangleGrouping.Group(simd.DetectCandidates(gray, f.Width, f.Height), options.MinNeighbors);
                            }, timePerItem, out int cpuRuns, warmUp: !dryRun);
                            double cpuRate = cpuRuns / cpuSeconds;
                            report.Speeds.Add(new KitReport.Speed($"CPU baseline {group.Key.Width}x{group.Key.Height}: our SIMD cascade (OpenCV's windows), {threads} thread{(threads == 1 ? "" : "s")}; the GPU's Haar is {runs / seconds / cpuRate:0.0}x this",
                                cpuRate, "frames/s", null, null));
                        }
                    }
                });
            if (backend is not null)
                report.Section("many streams", () =>
                {
                    var largest = frames.Where(f => f.Frame.Width == frames.Max(g => g.Frame.Width)).Select(f => (f.Bgr, f.Frame.Width, f.Frame.Height)).ToList();
                    // Each stream's detector takes the packing the kit's own detector chose at that size, rather than trying the candidates on its first frames inside a timed step.
                    var packAfter = haar?.PackingChoice(largest[0].Width, largest[0].Height)?.Chosen;
                    var load = StreamLoad.Run(accelerator, backend, options, largest, fps: 30, perStep: dryRun ? TimeSpan.FromSeconds(0.3) : TimeSpan.FromSeconds(4), maxStreams: dryRun ? 2 : 128, packAfter);
                    foreach (var step in load)
                        report.Sections.Add(new KitReport.Timing($"many streams: {step.Streams}", step.Seconds, step.StartedUtc));
                    foreach (var step in load)
                        report.Speeds.Add(new KitReport.Speed($"{step.Streams} stream{(step.Streams == 1 ? "" : "s")} of {largest[0].Width}x{largest[0].Height} at 30 fps (detect + cut + classify): slowest stream, latency p50 {step.LatencyP50Ms:0} ms, p95 {step.LatencyP95Ms:0} ms, a frame's detection {step.DetectMs:0.0} ms and classification {step.ClassifyMs:0.0} ms ({step.FacesPerBatch:0.0} faces a batch){(step.RealTime ? "" : ", behind")}",
                            step.SlowestFps, "fps", null, null));
                    report.RealTimeStreams = load.Where(s => s.RealTime).Select(s => s.Streams).DefaultIfEmpty(0).Max();
                });
            return report;
        }
        finally
        {
            backend?.Dispose();
            haar?.Dispose();
            blazeBackend?.Dispose();
        }
    }

    static Accelerator CudaAccelerator()
    {
        var device = IlgpuRuntime.Devices(AcceleratorType.Cuda).FirstOrDefault()
            ?? throw new InvalidOperationException(DriverLibraries.WhyNoCudaDevice() is { } why
                ? $"no CUDA device: {why}"
                : "no CUDA device: ILGPU found no NVIDIA GPU or driver (use --dry-run to try the kit on the CPU accelerator)");
        return IlgpuRuntime.CreateVerified(device);
    }

    static string Name(TileLayout layout) => layout.ToString().ToLowerInvariant();


    internal static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>One untimed run (kernels compiled, buffers touched), then runs until <paramref name="budget"/> has passed (at least one).</summary>
    /// <param name="warmUp">false in a dry run, whose figures mean nothing: each run of the simulated GPU takes seconds, and the checks ran every kernel already</param>
    static double Time(Action action, TimeSpan budget, out int runs, bool warmUp = true)
    {
        if (warmUp) action();
        runs = 0;
        var clock = Stopwatch.StartNew();
        do { action(); runs++; } while (clock.Elapsed < budget);
        return clock.Elapsed.TotalSeconds;
    }
}
