using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAffect.Records;

/// <summary>What a run did: counts, labels, speed and where its outputs are.</summary>
public sealed record AnalysisSummary
{
    public required string Input { get; init; }
    /// <summary>"complete", "failed" or "cancelled"; outputs of a run that is not complete keep their .partial names.</summary>
    public required string Status { get; init; }
    public string? Error { get; init; }
    public required string Video { get; init; }
    public required string Events { get; init; }
    public string? Report { get; init; }
    public required long FramesDecoded { get; init; }
    public required long FramesWritten { get; init; }
    public required long Faces { get; init; }
    public required IReadOnlyDictionary<string, long> LabelCounts { get; init; }
    public required double VideoSeconds { get; init; }
    public required double WallSeconds { get; init; }
    public double FramesPerSecond => WallSeconds > 0 ? Math.Round(FramesWritten / WallSeconds, 2) : 0;
    public required string Backend { get; init; }
    public required string Device { get; init; }
    public required long Batches { get; init; }
    /// <summary>Frames the face detector ran on (fewer than the frames with --detect-every).</summary>
    public required long DetectorRuns { get; init; }
    /// <summary>A batching CNN detector's forward passes (BlazeFace): frames and tiles per pass is the batch it reached; null for Haar.</summary>
    public long? DetectorPasses { get; init; }
    /// <summary>Seconds each of our stages spent on its own work (summed over its threads): detect, classify, annotate.</summary>
    public IReadOnlyDictionary<string, double>? StageBusySeconds { get; init; }
    /// <summary>Each event sink's messages sent and dropped; null when the run had none.</summary>
    public IReadOnlyList<Sinks.SinkSummary>? Sinks { get; init; }

    public bool Complete => Status == "complete";

    string Busy() => StageBusySeconds is { Count: > 0 } busy
        ? "\n  busy: " + string.Join(", ", busy.Select(kv => $"{kv.Key} {kv.Value:0.00} s"))
        : "";

    string SinkLines() => Sinks is null ? "" : string.Concat(Sinks.Select(s =>
        $"\n  {s.Name}: {s.Sent} sent, {s.Dropped} dropped{(s.Reconnects > 0 ? $", {s.Reconnects} reconnects" : "")}{(s.Errors > 0 ? $", {s.Errors} errors (last: {s.LastError})" : "")}"));

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToText()
    {
        var labels = LabelCounts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}");
        return $"""
            {Status}: {FramesWritten}/{FramesDecoded} frames, {Faces} faces ({string.Join(", ", labels.DefaultIfEmpty("none"))})
              {WallSeconds:0.00} s wall, {FramesPerSecond:0.0} fps, backend {Backend} ({Device}), {Batches} batches, detector on {DetectorRuns} frames{(DetectorPasses is { } passes ? $" in {passes} passes" : "")}{Busy()}
              video:  {Video}
              events: {Events}{(Report is null ? "" : $"\n  report: {Report}")}{SinkLines()}
            """;
    }
}
