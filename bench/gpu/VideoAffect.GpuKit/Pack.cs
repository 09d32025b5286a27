using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference.Managed;
using VideoAffect.Model;
using VideoAffect.Preprocessing;
using VideoAffect.Tests.Support;

namespace VideoAffect.GpuKit;

/// <summary>
/// Run here, where OpenCV and the setup's data exist: writes the kit's data folder. Frames are the
/// setup's group photos at 640x480 and 1920x1080 as raw BGR; OpenCV's cascade gives the expected
/// faces (the seed's settings), and the managed CPU backend the expected probabilities, both for
/// network inputs (the faces cut on the host, then random inputs) and per frame for the faces
/// the device will cut itself.
/// </summary>
static class Pack
{
    public static KitData Run(string output, bool dryRun)
    {
        Directory.CreateDirectory(output);
        string repo = RepoRoot();
        string photos = Path.Combine(repo, ".cache", "data");
        string modelDir = Path.Combine(output, "model");
        Directory.CreateDirectory(modelDir);
        foreach (string file in new[] { PretrainedModel.JsonFile, PretrainedModel.WeightsFile }.Concat(ModelCache.BlazeFace.Files.Select(f => f.Name)))
            File.Copy(Path.Combine(PretrainedModel.DefaultDirectory(), file), Path.Combine(modelDir, file), overwrite: true);
        var options = new DetectorOptions();
        File.Copy(options.CascadePath, Path.Combine(output, "cascade.xml"), overwrite: true);

        var network = PretrainedModel.Load();
        int inputSize = network.InputShape.Size, classes = network.ClassCount;
        using var cpu = new ManagedCpuBackend(network, 64);
        using var opencv = new OpenCvHaarDetector(options);
        using var preprocessor = new FacePreprocessor(network.Input);
        using var blaze = new Detection.BlazeFace.BlazeFaceDetector(new ManagedCpuBackend(Detection.BlazeFace.BlazeFaceModel.Load(), 1), new DetectorOptions());
        // The group photos (face-api's samples) at both sizes; the dry run one small frame with one face:
        // 192x192, where the astronaut's face (41 px) is still one OpenCV finds (at 160x160 it finds
        // none, and the checks that need a face would not run: the dry-run test fails then) and a
        // Haar frame on the simulated GPU costs two thirds of one at 240x240.
        var sizes = dryRun ? new[] { (192, 192) } : new[] { (640, 480), (1920, 1080) };
        var names = dryRun ? new[] { "astronaut.png" } : new[] { "faces/sample1.jpg", "faces/sample3.jpg", "faces/sample5.jpg" };
        var frames = new List<KitData.KitFrame>();
        var inputs = new List<float>();
        foreach (var (width, height) in sizes)
            foreach (string name in names)
            {
                using var photo = Cv2.ImRead(Path.Combine(photos, name), ImreadModes.Color);
                if (photo.Empty()) throw new InvalidOperationException($"{name} is missing from {photos}: run ./setup.sh");
                using var bgr = photo.Resize(new Size(width, height), 0, 0, InterpolationFlags.Area);
                using var gray = bgr.CvtColor(ColorConversionCodes.BGR2GRAY);
                string stem = $"{Path.GetFileNameWithoutExtension(name)}-{width}x{height}";
                bgr.GetArray(out Vec3b[] pixels);
                File.WriteAllBytes(Path.Combine(output, stem + ".bgr"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());
                var faces = opencv.Detect(gray).ToList();
                var crops = new float[faces.Count * inputSize];
                for (int i = 0; i < faces.Count; i++) preprocessor.Prepare(gray, faces[i], crops.AsSpan(i * inputSize, inputSize));
                gray.GetArray(out byte[] grayLevels);
                var shape = network.InputShape;
                var referenceCrops = faces.SelectMany(f => ReferenceCrop.Prepare(grayLevels, width, f, shape.Height, shape.Width)).Select(v => (float)v).ToArray();
                KitData.WriteFloats(Path.Combine(output, stem + ".reference-crops.f32"), referenceCrops);
                KitData.WriteFloats(Path.Combine(output, stem + ".reference-faces.f32"), Classify(cpu, referenceCrops, faces.Count, classes));
                KitData.WriteFloats(Path.Combine(output, stem + ".host-crops.f32"), crops);
                KitData.WriteFloats(Path.Combine(output, stem + ".host-faces.f32"), Classify(cpu, crops, faces.Count, classes));
                inputs.AddRange(crops);
                var blazeFaces = blaze.DetectBgr(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()), width, height).ToList();
                frames.Add(new KitData.KitFrame(name, stem + ".bgr", width, height, faces,
                    stem + ".reference-crops.f32", stem + ".reference-faces.f32", stem + ".host-crops.f32", stem + ".host-faces.f32", blazeFaces));
            }
        // Real faces first, then random inputs in the network's range (-1..1) up to the count (a dry
        // run: one batch of its largest, 4; each pass of the simulated GPU takes seconds).
        int count = dryRun ? 4 : 256;
        var random = new Random(16);
        while (inputs.Count < count * inputSize) inputs.Add((float)(random.NextDouble() * 2 - 1));
        var input = inputs.Take(count * inputSize).ToArray();
        var expected = new float[count * classes];
        for (int start = 0; start < count; start += 64)
        {
            int n = Math.Min(64, count - start);
            cpu.Run(input.AsSpan(start * inputSize, n * inputSize), n, expected.AsSpan(start * classes, n * classes));
        }
        var onnxModels = OnnxModels(repo, Path.Combine(output, "onnx"));
        KitData.WriteFloats(Path.Combine(output, "inputs.f32"), input);
        KitData.WriteFloats(Path.Combine(output, "expected.f32"), expected);
        var data = new KitData
        {
            ModelDirectory = "model",
            CascadeFile = "cascade.xml",
            Detector = new KitData.DetectorSettings(options.ScaleFactor, options.MinNeighbors, options.MinFaceSize, options.MaxFaceSize),
            Frames = frames,
            InputsFile = "inputs.f32",
            ExpectedProbabilitiesFile = "expected.f32",
            InputCount = count,
            Batches = dryRun ? [1, 4] : [1, 16, 64, 256, 1024, 4096],
            OnnxModels = onnxModels,
            DryRun = dryRun,
            PackedOn = $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.MachineName}, {cpu.DeviceName}",
        };
        data.Save(output);
        return data;
    }

    /// <summary>The ONNX import tests' models, written by their script (Debian's python3-onnx, installed by setup); the broken ones stay out.</summary>
    static List<string> OnnxModels(string repo, string folder)
    {
        Directory.CreateDirectory(folder);
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", [Path.Combine(repo, "tests", "onnx", "make_models.py"), folder]) { RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tests/onnx/make_models.py failed (./setup.sh installs python3-onnx): {errors.Trim()}");
        string[] broken = ["unsupported_op.onnx", "missing_initializer.onnx", "wrong_rank.onnx", "old_opset.onnx"];
        foreach (var file in broken) File.Delete(Path.Combine(folder, file));
        return Directory.GetFiles(folder, "*.onnx").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
    }

    /// <summary>The managed backend's probabilities for <paramref name="count"/> inputs.</summary>
    static float[] Classify(ManagedCpuBackend cpu, float[] inputs, int count, int classes)
    {
        var probabilities = new float[count * classes];
        if (count > 0) cpu.Run(inputs, count, probabilities);
        return probabilities;
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VideoAffect.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VideoAffect.sln"))) return dir.FullName;
        throw new InvalidOperationException("run pack from a VideoAffect checkout (the setup's photos and model are read from it)");
    }
}
