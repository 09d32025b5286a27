using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.GpuKit;

/// <summary>
/// The GPU kit (bench/gpu) as a GPU session uses it, on ILGPU's CPU accelerator with tiny sizes:
/// pack.sh builds the self-contained kit archive here, run.sh unpacks it elsewhere and checks the
/// device path against the packed expectations, then times it, with OpenCV's own cascade (python3
/// cv2) as the baseline. So the kit cannot rot between the rare sessions that have a GPU.
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class GpuKitDryRunTests
{
    static readonly string Scripts = Path.Combine(TestPaths.RepoRoot, "bench", "gpu");

    [Fact]
    public Task The_packed_kit_runs_from_its_archive_alone_and_every_check_passes() => IdleTime.Run(PackAndRunTheKit);

    /// <summary>The test's work and checks, a job run in the live tests' idle time.</summary>
    internal static void PackAndRunTheKit()
    {
        string kitDir = Directory.CreateTempSubdirectory("gpukit-").FullName;
        string output = Path.Combine(kitDir, "results");
        try
        {
            var environment = new Dictionary<string, string>(IdleTime.SdkEnvironment(kitDir)) { ["VIDEOAFFECT_KIT_DIR"] = kitDir };
            var pack = ProcessRunner.Run(Path.Combine(Scripts, "pack.sh"), ["--dry-run"], TimeSpan.FromMinutes(6), environment);
            Assert.True(pack.ExitCode == 0, $"pack.sh failed: {pack.StandardError}");
            var archive = new FileInfo(Path.Combine(kitDir, "kit.tar.xz"));
            Assert.True(archive.Exists && archive.Length <= 50L << 20, $"kit.tar.xz exists and is at most 50 MiB ({archive.Length >> 20} MiB)");

            var run = ProcessRunner.Run(Path.Combine(Scripts, "run.sh"), [output, "--dry-run"], TimeSpan.FromMinutes(8), environment);
            Assert.True(run.ExitCode == 0, $"run.sh failed ({run.ExitCode}): {run.StandardOutput}\n{run.StandardError}");
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "gpukit.json")));
            var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToList();
            // On a CPU accelerator shaped like a GPU: its kernels sized their groups as they will there.
            Assert.Contains("groups of up to 1024 threads", report.RootElement.GetProperty("device").GetString());
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("network forward pass"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("face inputs cut on the device vs float64 reference"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("face inputs cut on the device vs the host path's OpenCV resize"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("faces cut on the device, classified"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("Haar faces vs OpenCV"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("layer 20 Softmax"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("training: weights after 3 Adam steps"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("training: layer 1 Conv2D") && c.GetProperty("name").GetString()!.Contains("gradients"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("training: Adam's variances after the first step"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("layer 1 Conv2D") && c.GetProperty("name").GetString()!.EndsWith("direct kernel vs strided GEMM"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("layer 3 DepthwiseConv2D") && c.GetProperty("name").GetString()!.EndsWith("four channels a thread vs one"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("Haar raw candidates with each of 3 packing schedules vs CPU cascade"));
            foreach (var layout in new[] { "contiguous", "wide" })
                Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("GEMM layer 1 Conv2D") && c.GetProperty("name").GetString()!.EndsWith($"{layout} tiles vs strided"));
            foreach (var onnx in new[] { "ONNX branches_opset13.onnx layer", "ONNX nhwc_opset21.onnx layer", "ONNX depthwise_opset11.onnx layer" })
                Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith(onnx));
            Assert.All(checks, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetProperty("name").GetString()));
            var speeds = report.RootElement.GetProperty("speeds").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();
            Assert.Contains("network, batch 4", speeds);
            Assert.Contains(speeds, s => s.StartsWith("layer 1 Conv2D") && s.Contains("batch 4"));
            Assert.Contains(speeds, s => s.StartsWith("Haar 192x192"));
            Assert.Contains(speeds, s => s.StartsWith("Haar 192x192 step: cascade"));
            Assert.Contains(speeds, s => s.StartsWith("Haar 192x192 packing chosen: ") && s.Contains("in one launch") && s.Contains("packing after stages 1,3,6,10"));
            // The CPU accelerator times no kernel variant: the depthwise layers keep the default, the other variant said untimed (a failure would be a failed check).
            Assert.Contains(speeds, s => s.StartsWith("kernel chosen, layer 3 DepthwiseConv2D") && s.Contains("four channels not timed"));
            Assert.DoesNotContain(speeds, s => s.StartsWith("kernel chosen") && s.Contains(" failed"));
            Assert.Contains(speeds, s => s.StartsWith("GEMM layer 1 Conv2D") && s.EndsWith("(the rule's)"));
            Assert.Contains(speeds, s => s.StartsWith("GEMM layer 1 Conv2D") && !s.EndsWith("(the rule's)"));
            foreach (var layout in new[] { "strided", "contiguous", "wide" })
                Assert.Contains(speeds, s => s.StartsWith("GEMM layer 1 Conv2D") && s.Contains($", {layout} tiles"));
            Assert.Contains(speeds, s => s.StartsWith("CPU baseline 192x192: our SIMD cascade (OpenCV's windows), 1 thread;"));
            Assert.Contains(speeds, s => s.StartsWith("1 stream of 192x192 at 30 fps") && s.Contains("a frame's detection") && s.Contains("ms and classification"));
            Assert.Contains(checks, c => c.GetProperty("name").GetString()!.StartsWith("Haar raw candidates vs CPU cascade"));
            // The baseline: this machine's OpenCV (Debian's python3-opencv) finds the packed faces.
            using var baseline = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "opencv_baseline.json")));
            Assert.All(baseline.RootElement.GetProperty("same_faces").EnumerateArray(), f => Assert.True(f.GetProperty("same").GetBoolean()));
            Assert.Contains("OpenCV baseline", File.ReadAllText(Path.Combine(output, "gpukit.md")));
            // No nvidia-smi here: the utilisation table says it has no samples, and every part says when it began.
            Assert.Contains("no samples (no nvidia-smi here", File.ReadAllText(Path.Combine(output, "gpukit.md")));
            Assert.All(report.RootElement.GetProperty("sections").EnumerateArray(), s => s.GetProperty("started_utc").GetDateTime());
            Assert.Contains(report.RootElement.GetProperty("sections").EnumerateArray(), s => s.GetProperty("name").GetString() == "many streams: 1");
            // Every kernel's PTX for the GPU, for ptxas where the CUDA toolkit is (not here: the count of files made).
            string ptxas = File.ReadAllText(Path.Combine(output, "ptxas.txt"));
            int kernels = VideoAffect.Kernels.KernelCatalog.All().Count;
            Assert.True(ptxas.Contains($"no ptxas here (no CUDA toolkit): {kernels} kernels' PTX generated") || ptxas.Split("\n## ").Length == kernels + 1, ptxas);

            // The checks can fail: a wrong expectation is reported as a failure, exit code 1; and a part
            // that throws (here: a cascade file cut short) is a failed check while the parts after it
            // still run, with the report on disk.
            string unpacked = Path.Combine(kitDir, "unpacked");
            Directory.CreateDirectory(unpacked);
            ProcessRunner.Tool("tar", "-C", unpacked, "-xJf", archive.FullName);
            string data = Path.Combine(unpacked, "kit", "data");
            string expected = Path.Combine(data, "expected.f32");
            var bytes = File.ReadAllBytes(expected);
            BitConverter.GetBytes(BitConverter.ToSingle(bytes, 0) + 0.01f).CopyTo(bytes, 0);
            File.WriteAllBytes(expected, bytes);
            string cascade = Path.Combine(data, "cascade.xml");
            File.WriteAllText(cascade, File.ReadAllText(cascade)[..500]);
            string brokenOutput = Path.Combine(kitDir, "broken");
            var broken = ProcessRunner.Run(Path.Combine(unpacked, "kit", "bin", "videoaffect-gpukit"),
                ["run", data, brokenOutput, "--dry-run", "--skip", "training,speed"], TimeSpan.FromMinutes(4));
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains("| network forward pass vs managed CPU | **FAIL**", broken.StandardOutput);
            Assert.Contains("| Haar and the device crop: ran to its end | **FAIL**", broken.StandardOutput);
            using var brokenReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(brokenOutput, "gpukit.json")));
            var brokenChecks = brokenReport.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
            int haarFailure = brokenChecks.IndexOf("Haar and the device crop: ran to its end");
            Assert.True(haarFailure >= 0 && brokenChecks.Skip(haarFailure).Any(c => c.StartsWith("ONNX ")), "the ONNX checks ran after the Haar part failed");

            // Without --dry-run on a machine with no CUDA device: it could not run (exit 2), and says why.
            var noGpu = ProcessRunner.Run(Path.Combine(unpacked, "kit", "bin", "videoaffect-gpukit"),
                ["run", data, Path.Combine(kitDir, "no-gpu"), "--skip", "training,speed"], TimeSpan.FromMinutes(2));
            Assert.True(noGpu.ExitCode == 2 && noGpu.StandardOutput.Contains("no CUDA device"), $"exit {noGpu.ExitCode}: {noGpu.StandardOutput}{noGpu.StandardError}");
        }
        finally
        {
            Directory.Delete(kitDir, recursive: true);
        }
    }

    /// <summary>
    /// utilisation.py lays nvidia-smi's samples (as run.sh takes them: UTC, no header, no units) over
    /// the kit's parts: each part gets the samples inside its time, a sample nvidia-smi could not
    /// take is left out, and a part without samples says so.
    /// </summary>
    [Fact]
    public void The_GPU_samples_are_summed_up_per_part()
    {
        string output = Directory.CreateTempSubdirectory("gpukit-samples-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(output, "gpukit.json"), """
                {"sections": [
                  {"name": "network speed", "seconds": 1.0, "started_utc": "2026-12-04T15:30:00.5000000Z"},
                  {"name": "many streams: 8", "seconds": 2.0, "started_utc": "2026-12-04T15:30:02Z"},
                  {"name": "training", "seconds": 0.2, "started_utc": "2026-12-04T15:31:00Z"}]}
                """);
            File.WriteAllText(Path.Combine(output, "gpukit.md"), "kit report\n");
            File.WriteAllText(Path.Combine(output, "gpu-samples.csv"), string.Join("\n",
                "2026/12/04 15:30:00.250, 99, 1, 1000, 100",    // before the first part
                "2026/12/04 15:30:00.750, 80, 10, 1900, 2000",
                "2026/12/04 15:30:01.250, 90, 10, 1980, 2100",
                "2026/12/04 15:30:02.500, 20, 5, 1500, 3000",
                "2026/12/04 15:30:03.000, [N/A], 5, 1500, 3000", // a sample nvidia-smi could not take
                "2026/12/04 15:30:03.500, 40, 5, 1700, 4096") + "\n");
            ProcessRunner.Tool("python3", Path.Combine(Scripts, "utilisation.py"), output);
            string md = File.ReadAllText(Path.Combine(output, "gpukit.md"));
            Assert.Contains("| network speed | 2 | 85 % | 90 % | 1940 MHz | 2100 MiB |", md);
            Assert.Contains("| many streams: 8 | 2 | 30 % | 40 % | 1600 MHz | 4096 MiB |", md);
            Assert.Contains("| training | 0 | | | | |", md);
            Assert.StartsWith("kit report", md);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
