// The library in a dozen lines: annotate a video and write per-face records, as `videoaffect analyze` does.
// Usage: dotnet run --project samples/AnalyzeFile -- input.mp4 output.mp4
using VideoAffect.Pipeline;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: AnalyzeFile INPUT.mp4 OUTPUT.mp4");
    return 2;
}
var options = new AnalyzeOptions
{
    InputPath = args[0],
    OutputPath = args[1],
    EventsPath = Path.ChangeExtension(args[1], ".jsonl"),
    // How faces are found and classified: the same record FaceEmotions and LiveMonitor take.
    Recognition = new VideoAffect.RecognitionOptions
    {
        Backend = "auto",   // CUDA when present, else the managed CPU path
        BatchSize = 32,
    },
};
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var summary = await new VideoAnalyzer(options, Console.Error.WriteLine).RunAsync(stop.Token);
Console.WriteLine(summary.ToText());
return summary.Complete ? 0 : 1;
