// A sink of your own beside the files: here, a line on stdout whenever a face's shown emotion
// changes. Any IEventSink gets every frame's records, isolated from the frames (OutboxSink gives
// it a bounded outbox, a task of its own and counters); the same kind of sink sends to MQTT and Redis.
// Usage: dotnet run --project samples/CustomSink -- talk.mp4
using VideoAffect.Pipeline;
using VideoAffect.Records;
using VideoAffect.Sinks;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: CustomSink VIDEO");
    return 2;
}
var options = new AnalyzeOptions { InputPath = args[0], OutputPath = "/dev/null", EventsPath = "/dev/null", SummaryPath = null };
await using var sinks = new EventSinks([new EmotionChanges()]);
var summary = await new VideoAnalyzer(options, null, sinks).RunAsync(CancellationToken.None);
Console.WriteLine(summary.ToText());
return summary.Complete ? 0 : 1;

/// <summary>Turns records into "track N: old -> new" lines, printed on the sink's own task.</summary>
sealed class EmotionChanges() : OutboxSink<string>("stdout://emotion-changes", capacity: 1000)
{
    readonly Dictionary<int, string> _shown = new();

    protected override Task ConnectAsync(CancellationToken token) => Task.CompletedTask;

    protected override async Task SendAsync(IReadOnlyList<string> batch, CancellationToken token)
    {
        foreach (var line in batch) await Console.Out.WriteLineAsync(line.AsMemory(), token);
    }

    protected override IEnumerable<string> Translate(FrameRecord record)
    {
        foreach (var face in record.Faces.Where(f => f.Track > 0))
        {
            string label = face.Display.Label;
            if (_shown.TryGetValue(face.Track, out var before) && before == label) continue;
            _shown[face.Track] = label;
            yield return $"{record.Time,8:0.00} s  track {face.Track}: {before ?? "(new)"} -> {label}";
        }
    }
}
