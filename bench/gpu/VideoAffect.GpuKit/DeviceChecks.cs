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
    /// Every window the device's cascade accepts (minNeighbors 0: no grouping to hide a difference)
    /// against our SIMD cascade on this machine's CPU, which gives OpenCV's windows exactly (tested
    /// here against OpenCV): any fault in the device's gray conversion, resize, integral or cascade
    /// kernels changes this list.
    /// </summary>
    public static void HaarCandidates(KitReport report, DetectorOptions options, ILGPU.Runtime.Accelerator accelerator, string what, byte[] bgr, int width, int height)
    {
        var raw = options with { MinNeighbors = 0 };
        using var device = new IlgpuHaarDetector(raw, accelerator, ownsAccelerator: false);
        using var simd = new SimdHaarDetector(raw, Environment.ProcessorCount);
        var gray = new byte[width * height];
        for (int i = 0; i < gray.Length; i++) gray[i] = (byte)Kernels.OpenCvGray.FromBgr(bgr[3 * i], bgr[3 * i + 1], bgr[3 * i + 2]);
        var ours = device.DetectBgr(bgr, width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
        var cpu = simd.DetectCandidates(gray, width, height).OrderBy(b => (b.Width, b.Y, b.X)).ToList();
        bool same = ours.SequenceEqual(cpu);
        report.Check($"Haar raw candidates vs CPU cascade, {what}", same ? 0 : 1, 0,
            $"device {ours.Count}, CPU {cpu.Count}" + (same ? "" : $"; only device: {string.Join(" ", ours.Except(cpu).Take(10))}; only CPU: {string.Join(" ", cpu.Except(ours).Take(10))}"));
    }

    /// <summary>
    /// Three Adam steps on both paths: losses per step, then every weight. The seed network on a
    /// GPU; for a dry run a small network of the same kinds of layers (conv, pool, dropout, dense,
    /// softmax), as the seed network on ILGPU's CPU accelerator takes minutes.
    /// </summary>
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
        var adam = new AdamSettings(LearningRate: 1e-3);
        double lossError = 0;
        for (int step = 1; step <= 3; step++)
        {
            var m = managed.TrainBatch(inputs, labels, (uint)step);
            var d = device.TrainBatch(inputs, labels, (uint)step);
            lossError = Math.Max(lossError, m.Losses.Zip(d.Losses, (a, b) => Math.Abs((double)a - b)).Max());
            managed.ApplyAdam(adam.StepFor(step));
            device.ApplyAdam(adam.StepFor(step));
        }
        device.DownloadParameters();
        var a = Weights(managedNetwork);
        var b = Weights(deviceNetwork);
        double moved = a.Zip(initial, (x, y) => Math.Abs((double)x - y)).Max();
        double apart = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
        report.Check($"training: losses of 3 steps, {managedNetwork.Source}, batch {batch}", lossError, 1e-3, "absolute, per example");
        report.Check($"training: weights after 3 Adam steps, batch {batch}", apart / Math.Max(1e-12, moved), TrainingTolerance,
            $"largest difference {apart:G3} against the largest change {moved:G3}");
    }

    static float[] Weights(Network network) =>
        network.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)).ToArray();
}
