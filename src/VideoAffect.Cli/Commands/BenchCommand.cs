using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoAffect.Benchmarking;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect bench`: throughput of every stage and the whole pipeline per backend, with same-run baselines.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var backends = new Option<string>("--backends") { Description = "comma-separated backends, or 'all' (every usable one but the ILGPU CPU simulator)", DefaultValueFactory = _ => "all" };
        var sizes = new Option<string>("--sizes") { Description = "clip frame sizes", DefaultValueFactory = _ => "640x480,1920x1080" };
        var faces = new Option<string>("--faces") { Description = "faces per clip", DefaultValueFactory = _ => "1,8" };
        var batches = new Option<string>("--batches") { Description = "classifier batch sizes", DefaultValueFactory = _ => "1,16,64,256" };
        var seconds = new Option<double>("--seconds") { Description = "length of each generated clip (30 fps)", DefaultValueFactory = _ => 2 };
        var runs = new Option<int>("--runs") { Description = "measured runs per item, after one warm-up run", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var detector = SharedOptions.Detector();
        var command = new Command("bench", "measure decode, detect, classify and the whole pipeline per backend, against ffmpeg, the seed's loop and OpenCV DNN");
        foreach (var o in new Option[] { backends, sizes, faces, batches, seconds, runs, json }.Concat(detector.All)) command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            string data = DataDirectory();
            var options = new BenchOptions
            {
                Backends = Split(r.GetValue(backends)!),
                Sizes = Split(r.GetValue(sizes)!).Select(ParseSize).ToList(),
                FaceCounts = Split(r.GetValue(faces)!).Select(f => ParsePositive(f, "--faces")).ToList(),
                Batches = Split(r.GetValue(batches)!).Select(b => ParsePositive(b, "--batches")).ToList(),
                ClipSeconds = r.GetValue(seconds) > 0 ? r.GetValue(seconds) : throw new VideoAffectException("--seconds must be positive"),
                Runs = r.GetValue(runs) >= 1 ? r.GetValue(runs) : throw new VideoAffectException("--runs must be at least 1"),
                Detector = detector.Read(r),
                PhotoDirectory = data,
                WorkDirectory = Path.Combine(Path.GetDirectoryName(data)!, "bench"),
            };
            // Checked and claimed before the benchmark's minutes, not after them.
            using var outputs = new Outputs.OutputSet([]);
            var jsonOut = r.GetValue(json) is { } path ? outputs.Add(path, "benchmark results") : null;
            outputs.Claim();
            var report = await new BenchmarkSuite(options, m => Console.Error.WriteLine($"  measuring {m}")).RunAsync(ct);
            Print(report);
            if (jsonOut is not null)
                Outputs.OutputSet.WriteWhole(jsonOut, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, IncludeFields = true }));
            return 0;
        }, token));
        return command;
    }

    static void Print(BenchReport report)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"videoaffect bench, {report.Date:yyyy-MM-dd HH:mm}, {report.Machine}");
        Console.WriteLine();
        Console.WriteLine($"| {"clip",-22} | {"stage",-50} | {"backend",-10} | {"median",14} | {"spread",7} | {"peak MiB",8} |");
        Console.WriteLine($"|{new string('-', 24)}|{new string('-', 52)}|{new string('-', 12)}|{new string('-', 16)}|{new string('-', 9)}|{new string('-', 10)}|");
        foreach (var x in report.Results)
        {
            var m = x.Measurement;
            Console.WriteLine(string.Create(c, $"| {x.Clip,-22} | {x.Stage,-50} | {x.Backend,-10} | {m.Median,8:0.0} {m.Unit,-5} | ±{m.SpreadPercent,4:0}% | {m.PeakMemoryMiB,8:0} |"));
        }
        Console.WriteLine();
        foreach (var ratio in report.Ratios) Console.WriteLine(string.Create(c, $"{ratio.Name}: {ratio.Value:0.00}x"));
        foreach (var note in report.Notes) Console.WriteLine($"note: {note}");
    }

    static List<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    static (int, int) ParseSize(string size)
    {
        var parts = size.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w >= 64 && h >= 64 && w % 2 == 0 && h % 2 == 0)
            return (w, h);
        throw new VideoAffectException($"--sizes: '{size}' is not WIDTHxHEIGHT with even sides of at least 64");
    }

    static int ParsePositive(string text, string option) =>
        int.TryParse(text, out int n) && n > 0 ? n : throw new VideoAffectException($"{option}: '{text}' is not a positive number");

    /// <summary>The setup's photo folder: $VIDEOAFFECT_DATA_DIR, else .cache/data above the program or the working directory.</summary>
    static string DataDirectory()
    {
        if (Environment.GetEnvironmentVariable("VIDEOAFFECT_DATA_DIR") is { Length: > 0 } fromEnv) return fromEnv;
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ".cache", "data");
                if (File.Exists(Path.Combine(candidate, "astronaut.png"))) return candidate;
            }
        throw new VideoAffectException("the benchmark photos are not installed (.cache/data/astronaut.png); run ./setup.sh");
    }
}
