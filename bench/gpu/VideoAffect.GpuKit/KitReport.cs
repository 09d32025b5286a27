using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAffect.GpuKit;

/// <summary>What the kit found: each check with its error and tolerance, and each speed; written as JSON and as a markdown table.</summary>
public sealed class KitReport
{
    public string Device { get; set; } = "";
    public string PackedOn { get; set; } = "";
    public double? PeakGflops { get; set; }
    /// <summary>The most 30 fps streams that kept real time together.</summary>
    public int? RealTimeStreams { get; set; }
    public List<Result> Checks { get; } = new();
    public List<Speed> Speeds { get; } = new();
    /// <summary>How long each part took: what a GPU session's few minutes went on, to size the next run.</summary>
    public List<Timing> Sections { get; } = new();
    public bool Passed => Checks.All(c => c.Passed);

    public sealed record Result(string Name, bool Passed, double Error, double Tolerance, string Detail);
    public sealed record Speed(string Name, double Value, string Unit, double? Gflops, double? PeakShare);
    /// <summary>A part's time, and when it began (UTC), so that run.sh's GPU samples can be laid over the parts (utilisation.py).</summary>
    public sealed record Timing(string Name, double Seconds, DateTime StartedUtc);

    public void Check(string name, double error, double tolerance, string detail) => Checks.Add(new Result(name, error <= tolerance, error, tolerance, detail));

    /// <summary>Where <see cref="Section"/> writes the report after each section; null: nowhere.</summary>
    [JsonIgnore]
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// Runs one part of the kit. An exception (a kernel the driver rejects, a CUDA error) becomes a
    /// failed check that names the part and the error, and the next part still runs: on a GPU lent
    /// for minutes, one failure must not hide the rest. The report is written after every part.
    /// </summary>
    /// <returns>Whether the part ran to its end.</returns>
    public bool Section(string name, Action body)
    {
        bool completed = true;
        var startedUtc = DateTime.UtcNow;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try { body(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            completed = false;
            Check($"{name}: ran to its end", 1, 0, $"{e.GetType().Name}: {VideoAffect.Inference.IlgpuRuntime.OneLine(e)}".Replace('|', '/'));
        }
        Sections.Add(new Timing(name, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, startedUtc));
        if (OutputDirectory is not null) Write(OutputDirectory);
        return completed;
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "gpukit.json"), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        File.WriteAllText(Path.Combine(directory, "gpukit.md"), Markdown());
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"Device: {Device}{(PeakGflops is { } p ? $", fp32 peak {p:0} GFLOP/s" : "")}; data packed {PackedOn}").AppendLine();
        text.AppendLine("| check | result | max error | tolerance | detail |").AppendLine("|---|---|---|---|---|");
        foreach (var c in Checks) text.AppendLine($"| {c.Name} | {(c.Passed ? "pass" : "**FAIL**")} | {c.Error:G3} | {c.Tolerance:G3} | {c.Detail} |");
        text.AppendLine().AppendLine("| speed | value | GFLOP/s | share of fp32 peak |").AppendLine("|---|---|---|---|");
        foreach (var s in Speeds) text.AppendLine($"| {s.Name} | {s.Value:0.0} {s.Unit} | {(s.Gflops is { } g ? g.ToString("0.0") : "")} | {(s.PeakShare is { } r ? r.ToString("P1") : "")} |");
        if (RealTimeStreams is { } n) text.AppendLine().AppendLine($"Streams kept in real time together: {n}");
        text.AppendLine().AppendLine("Time per part: " + string.Join(", ", Sections.Select(t => $"{t.Name} {t.Seconds:0.0} s")));
        return text.ToString();
    }
}
