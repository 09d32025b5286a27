using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>`videoaffect bench` on a tiny configuration: every stage and baseline measured, ratios printed, JSON written.</summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class BenchCommandTests
{
    [Fact]
    public void Bench_measures_stages_and_baselines_and_writes_json()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["bench", "--backends", "cpu", "--sizes", "320x240", "--faces", "1", "--batches", "1,4",
            "--seconds", "0.5", "--runs", "1", "--json", dir.File("bench.json")], timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.StandardError);
        foreach (var stage in new[] { "classify batch 1", "classify batch 4", "ffmpeg decode + encode (ceiling)", "decode", "detect (OpenCV Haar", "detect (SIMD Haar", "seed loop", "pipeline", "busy time per stage", "features per window" })
            Assert.Contains(stage, r.StandardOutput);
        Assert.Contains("classify batch 4: cpu / OpenCV DNN:", r.StandardOutput);
        Assert.Contains("pipeline on cpu / seed loop:", r.StandardOutput);
        Assert.Contains("detect SIMD / OpenCV (same faces", r.StandardOutput);

        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("bench.json")));
        var results = json.RootElement.GetProperty("Results").EnumerateArray().ToList();
        Assert.Contains(results, x => x.GetProperty("Backend").GetString() == "opencv-dnn");
        Assert.All(results, x => Assert.True(x.GetProperty("Measurement").GetProperty("Median").GetDouble() > 0));
    }

    [Fact]
    public void Bench_rejects_a_malformed_size()
    {
        var r = ProcessRunner.Cli(["bench", "--sizes", "big"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sizes: 'big' is not WIDTHxHEIGHT", r.StandardError);
    }
}
