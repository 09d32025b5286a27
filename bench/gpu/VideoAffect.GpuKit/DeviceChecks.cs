using VideoAffect.Detection;
using VideoAffect.Detection.Simd;
using VideoAffect.Inference;
using VideoAffect.Inference.Managed;
using VideoAffect.Model;
using VideoAffect.Training;
using VideoAffect.Training.Cpu;

namespace VideoAffect.GpuKit;

/// <summary>
/// Checks whose expectations the GPU machine computes itself, with the managed CPU path (the same
/// code that is tested against float64 references here), so nothing large has to travel: every
/// inference layer's output, and three Adam steps of the seed network.
/// </summary>
static class DeviceChecks
{
    /// <summary>Largest difference allowed in a layer's output, relative to that layer's largest value.</summary>
    public const double LayerTolerance = 1e-4;
    /// <summary>Largest weight difference after the training steps, relative to how far the weights moved.</summary>
    public const double TrainingTolerance = 1e-2;
    /// <summary>
    /// Largest difference in a parameter gradient or an Adam moment, relative to that tensor's
    /// largest value: float32 sums of tens of thousands of terms in another order differ by about
    /// 1e-5 of it; a wrong index or a lost term by far more.
    /// </summary>
    public const double GradientTolerance = 1e-3;
    /// <summary>The device's crop and OpenCV's fixed-point resize: a gray level and a rounding, never more (the suite's bound).</summary>
    public const double HostCropLevels = 1.01;

    public static void Layers(KitReport report, Network network, IlgpuBackend device, float[] inputs, int count) =>
        GraphLayers(report, "", network, device, inputs[..(count * network.InputShape.Size)], count);

    /// <summary>
    /// BlazeFace's graph (Pad, Reshape, fused shortcuts, four outputs) layer by layer against the
    /// managed path on one letterboxed frame, so a failure names the op.
    /// </summary>
    /// <remarks>The input is the frame as the device letterboxed it (the detector runs first), as the GPU machine has no OpenCV.</remarks>
    public static void BlazeFaceLayers(KitReport report, Network network, IlgpuBackend device) =>
        GraphLayers(report, "BlazeFace ", network, device, device.ReadActivation(0, 1), 1);

    /// <summary>Any graph, every layer against the managed path on the same input, named by its op (after <paramref name="what"/>, which ends in a space).</summary>
    public static void GraphLayers(KitReport report, string what, Network network, IlgpuBackend device, float[] input, int batch)
    {
        // Unfused: every layer's activation kept, so that each op is compared on its own.
        using var managed = new ManagedCpuBackend(network, batch, fuse: false);
        managed.Run(input, batch, network.Outputs.Select((_, k) => new float[batch * network.OutputShape(k).Size]).ToArray());
        device.Run(input, batch, network.Outputs.Select((_, k) => new float[batch * network.OutputShape(k).Size]).ToArray());
        for (int i = 1; i < network.Layers.Count; i++)
        {
            var expected = managed.ReadActivation(i, batch);
            var actual = device.ReadActivation(i, batch);
            double scale = Math.Max(1e-6, expected.Max(v => Math.Abs((double)v)));
            double error = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max() / scale;
            var layer = network.Layers[i];
            report.Check($"{what}layer {i} {layer.Op} {layer.OutputShape}", error, LayerTolerance, $"relative to its largest value {scale:G3}");
        }
    }

    public static void BlazeFaceFaces(KitReport report, Detection.BlazeFace.BlazeFaceDetector device, string what, byte[] bgr, int width, int height, IReadOnlyList<FaceBox> expected)
    {
        var ours = device.DetectFaces(bgr, width, height).Select(f => f.Box).OrderBy(b => b.X).ToList();
        var theirs = expected.OrderBy(b => b.X).ToList();
        double worst = ours.Count != theirs.Count ? 1 : ours.Zip(theirs, (a, b) => 1 - a.IntersectionOverUnion(b)).DefaultIfEmpty(0).Max();
        report.Check($"BlazeFace faces vs managed CPU, {what}", worst, 0.05, $"device {ours.Count}, CPU {theirs.Count} faces; 1 - IoU of the worst pair");
    }

    /// <summary>
    /// OpenCV's faces cut, resized and normalised on the device (the pipeline's GPU path), then
    /// classified: the network inputs against the float64 reference of the same sampling (a fault
    /// in the crop kernel), and within a gray level of the host path's OpenCV resize (which rounds
    /// in 11-bit fixed point and to 8 bits); the probabilities against the managed backend's on the
    /// reference inputs. The host path's own probabilities are only reported: the first GPU run
    /// (H200, 2026-12-04) held the device's to them at 1e-3 and read 0.007-0.026, with inputs
    /// within a level; a level on each of 2,304 pixels moves a probability that much.
    /// </summary>
    public static void DeviceCrops(KitReport report, IlgpuBackend device, string what, KitData.KitFrame frame, byte[] bgr, Func<string, string> path)
    {
        int faces = frame.OpenCvFaces.Count, classes = device.Network.ClassCount;
        var probabilities = new float[faces * classes];
        device.RunOnFrames([new FrameFaces(bgr, frame.Width, frame.Height, frame.OpenCvFaces)], probabilities);
        var crops = device.ReadActivation(0, faces);
        var reference = KitData.ReadFloats(path(frame.ReferenceCropsFile));
        double scale = reference.Max(v => Math.Abs((double)v));
        report.Check($"face inputs cut on the device vs float64 reference, {what}", DeviceRun.MaxDifference(crops, reference) / scale, LayerTolerance,
            $"{faces} faces; relative to the largest input {scale:G3}");
        var spec = device.Network.Input;
        double levels = DeviceRun.MaxDifference(crops, KitData.ReadFloats(path(frame.HostCropsFile))) * spec.Divisor;
        report.Check($"face inputs cut on the device vs the host path's OpenCV resize, {what}", levels, HostCropLevels, "gray levels");
        double hostApart = DeviceRun.MaxDifference(probabilities, KitData.ReadFloats(path(frame.HostProbabilitiesFile)));
        report.Check($"faces cut on the device, classified, vs managed CPU on the reference inputs, {what}",
            DeviceRun.MaxDifference(probabilities, KitData.ReadFloats(path(frame.ReferenceProbabilitiesFile))), DeviceRun.ProbabilityTolerance,
            $"{faces} faces; from the host path's probabilities (OpenCV's resize): {hostApart:G3}");
    }

    /// <summary>
    /// Every window the device's cascade accepts (minNeighbors 0: no grouping to hide a difference)
    /// against our SIMD cascade on this machine's CPU, which gives OpenCV's windows exactly (tested
    /// here against OpenCV): any fault in the device's gray conversion, resize, integral or cascade
    /// kernels changes this list.
    /// </summary>
    public static void HaarCandidates(KitReport report, DetectorOptions options, ILGPU.Runtime.Accelerator accelerator, string what, byte[] bgr, int width, int height)
    {
        var raw = options with { MinNeighbors = 0 };
        using var device = new IlgpuHaarDetector(raw, accelerator, ownsAccelerator: false, tunePacking: false);
        using var simd = new SimdHaarDetector(raw, Environment.ProcessorCount);
        var gray = Gray(bgr, width, height);
        var ours = device.DetectBgr(bgr, width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
        var cpu = simd.DetectCandidates(gray, width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
        bool same = ours.SequenceEqual(cpu);
        report.Check($"Haar raw candidates vs CPU cascade, {what}", same ? 0 : 1, 0,
            $"device {ours.Count}, CPU {cpu.Count}" + (same ? "" : $"; only device: {string.Join(" ", ours.Except(cpu).Take(10))}; only CPU: {string.Join(" ", cpu.Except(ours).Take(10))}"));
    }

    /// <summary>
    /// The same with each packing schedule the detector may choose on a GPU (<see cref="IlgpuHaarDetector.PackAfter"/>):
    /// one check per frame, passed when every schedule gives the CPU cascade's windows, naming those that do not.
    /// </summary>
    /// <param name="maxSchedules">schedules checked at most, first first (the dry run checks a few: its simulated GPU takes a second each)</param>
    public static void HaarCandidatesByEverySchedule(KitReport report, DetectorOptions options, ILGPU.Runtime.Accelerator accelerator, string what, byte[] bgr, int width, int height,
        int maxSchedules = int.MaxValue)
    {
        var raw = options with { MinNeighbors = 0 };
        using var device = new IlgpuHaarDetector(raw, accelerator, ownsAccelerator: false, tunePacking: false);
        using var simd = new SimdHaarDetector(raw, Environment.ProcessorCount);
        var cpu = simd.DetectCandidates(Gray(bgr, width, height), width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
        var wrong = new List<string>();
        var schedules = IlgpuHaarDetector.ScheduleCandidates.Take(maxSchedules).ToList();
        foreach (var schedule in schedules)
        {
            device.PackAfter = schedule;
            var ours = device.DetectBgr(bgr, width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
            if (!ours.SequenceEqual(cpu)) wrong.Add($"{IlgpuHaarDetector.ScheduleName(device.PackAfter)} ({ours.Count} windows)");
        }
        report.Check($"Haar raw candidates with each of {schedules.Count} packing schedules vs CPU cascade, {what}", wrong.Count == 0 ? 0 : 1, 0,
            $"CPU {cpu.Count}" + (wrong.Count == 0 ? "" : $"; different: {string.Join(", ", wrong)}"));
    }

    /// <summary>OpenCV's gray levels of a BGR frame, computed on the host (the GPU machine has no OpenCV).</summary>
    public static byte[] Gray(byte[] bgr, int width, int height)
    {
        var gray = new byte[width * height];
        for (int i = 0; i < gray.Length; i++) gray[i] = (byte)Kernels.OpenCvGray.FromBgr(bgr[3 * i], bgr[3 * i + 1], bgr[3 * i + 2]);
        return gray;
    }

    /// <summary>
    /// Three Adam steps on both paths: losses per step; the first step's weight and bias gradients
    /// layer by layer (so a failure names the backward kernel); Adam's moments; then every weight.
    /// The seed network on a GPU; for a dry run a small network of the same kinds of layers (conv,
    /// pool, dropout, dense, softmax), as the seed network on ILGPU's CPU accelerator takes minutes.
    /// </summary>
    /// <remarks>
    /// Adam's epsilon is <see cref="NoiseProofEpsilon"/>, not Keras's 1e-7: Adam divides each
    /// gradient by its own size, so on weights whose gradient sums cancel to near zero it turns
    /// float32 summation noise into steps of the learning rate's size (on the H200, 2026-12-04,
    /// with 1e-7: weights 0.136 of their largest change apart, while the losses agreed to 8e-6).
    /// With 1e-3 the larger gradients still take Adam's normalised steps, and the noise stays noise.
    /// </remarks>
    public static void Training(KitReport report, string deviceBackend, int batch, bool small)
    {
        Network Create() => small
            ? new SequentialBuilder(new TensorShape(16, 16, 1), 1).Conv2D(8, 3).MaxPool(2).Dropout(0.25f).Conv2D(8, 3)
                .Dense(16).Dropout(0.5f).Dense(EmotionLabels.Fer2013.Count, relu: false).Softmax().Build(EmotionLabels.Fer2013, "a small network of the seed's kinds")
            : SeedNetwork.Create(1);
        var managedNetwork = Create();
        var deviceNetwork = Create();
        var initial = Weights(Create());
        using var managed = new ManagedTrainingEngine(managedNetwork, batch);
        using var device = TrainingEngineFactory.Create(deviceBackend, deviceNetwork, batch);
        var random = new Random(5);
        var inputs = Enumerable.Range(0, batch * managedNetwork.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var labels = Enumerable.Range(0, batch).Select(_ => random.Next(managedNetwork.ClassCount)).ToArray();
        var adam = new AdamSettings(LearningRate: 1e-3, Epsilon: NoiseProofEpsilon);
        double lossError = 0;
        for (int step = 1; step <= 3; step++)
        {
            var m = managed.TrainBatch(inputs, labels, (uint)step);
            var d = device.TrainBatch(inputs, labels, (uint)step);
            lossError = Math.Max(lossError, m.Losses.Zip(d.Losses, (a, b) => Math.Abs((double)a - b)).Max());
            if (step == 1) ParameterGradients(report, managed, device, batch);
            managed.ApplyAdam(adam.StepFor(step));
            device.ApplyAdam(adam.StepFor(step));
            // The moments after the first step depend on its gradients alone (checked above); later
            // steps start from weights a float32 rounding apart, where a ReLU can flip (on the H200,
            // 2026-12-04: moments 0.3 % of their largest apart after 3 steps, weights 0.07 % of their change).
            if (step == 1) Moments(report, managed, device, $"{managedNetwork.Source}, batch {batch}");
        }
        string name = $"{managedNetwork.Source}, batch {batch}";
        report.Check($"training: losses of 3 steps, {name}", lossError, 1e-3, "absolute, per example");
        device.DownloadParameters();
        var a = Weights(managedNetwork);
        var b = Weights(deviceNetwork);
        double moved = a.Zip(initial, (x, y) => Math.Abs((double)x - y)).Max();
        double apart = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
        report.Check($"training: weights after 3 Adam steps (epsilon {NoiseProofEpsilon:G}), {name}", apart / Math.Max(1e-12, moved), TrainingTolerance,
            $"largest difference {apart:G3} against the largest change {moved:G3}");
    }

    /// <summary>Adam's epsilon in the training check (see <see cref="Training"/>).</summary>
    public const double NoiseProofEpsilon = 1e-3;

    /// <summary>Each parameterised layer's weight and bias gradients of the batch just trained, device against managed.</summary>
    static void ParameterGradients(KitReport report, TrainingEngine managed, TrainingEngine device, int batch)
    {
        foreach (int layer in managed.Parameters)
        {
            var (expectedWeights, expectedBias) = managed.ReadParameterGradients(layer);
            var (actualWeights, actualBias) = device.ReadParameterGradients(layer);
            double error = WorstRelative([expectedWeights, expectedBias], [actualWeights, actualBias]);
            var shown = managed.Network.Layers[layer];
            report.Check($"training: layer {layer} {shown.Op} {shown.OutputShape} weight and bias gradients, batch {batch}", error, GradientTolerance,
                $"relative to each tensor's largest ({expectedWeights.Max(v => Math.Abs(v)):G3}, {expectedBias.DefaultIfEmpty().Max(v => Math.Abs(v)):G3})");
        }
    }

    static void Moments(KitReport report, TrainingEngine managed, TrainingEngine device, string name)
    {
        var (expected, actual) = (managed.ReadMoments(), device.ReadMoments());
        report.Check($"training: Adam's means after the first step, {name}", WorstRelative(expected.Mean, actual.Mean), GradientTolerance, "relative to each tensor's largest");
        report.Check($"training: Adam's variances after the first step, {name}", WorstRelative(expected.Variance, actual.Variance), GradientTolerance, "relative to each tensor's largest");
    }

    /// <summary>The largest difference between matching tensors, each relative to its expected tensor's largest magnitude.</summary>
    static double WorstRelative(float[][] expected, float[][] actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double worst = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            if (expected[t].Length == 0 && actual[t].Length == 0) continue;
            double scale = Math.Max(1e-30, expected[t].Max(v => Math.Abs((double)v)));
            worst = Math.Max(worst, DeviceRun.MaxDifference(expected[t], actual[t]) / scale);
        }
        return worst;
    }

    static float[] Weights(Network network) =>
        network.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)).ToArray();
}
