using System.Diagnostics;
using Spectre.Console;
using VideoAffect.Pipeline;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// Shows an analysis run's progress on stderr while it goes on: a live bar (frames done / total,
/// fps, elapsed and remaining time, via Spectre.Console) on a terminal, or a plain line every few
/// seconds when stderr is a file or a pipe, so logs stay readable.
/// </summary>
static class AnalyzeProgress
{
    static readonly IAnsiConsole? Live = Console.IsErrorRedirected ? null
        : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Writes a message on stderr; through the live display when there is one, so the bar stays intact.</summary>
    public static void Log(string message)
    {
        if (Live is null) Console.Error.WriteLine(message);
        else Live.MarkupLine(Markup.Escape(message));
    }

    public static async Task<T> WatchAsync<T>(VideoAnalyzer analyzer, Task<T> run)
    {
        if (Live is not { } console) return await PlainLinesAsync(analyzer, run);
        var clock = Stopwatch.StartNew();
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("analyze", maxValue: 1);
                while (true)
                {
                    bool done = run.IsCompleted;
                    long frames = analyzer.FramesDecoded, total = Math.Max(analyzer.FramesExpected, frames);
                    task.MaxValue = Math.Max(1, total);
                    task.Value = frames;
                    task.Description = analyzer.Decoding ? $"{frames}/{total} frames, {frames / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):0.0} fps" : "opening the input";
                    if (done) break;
                    await Task.WhenAny(run, Task.Delay(250));
                }
            });
        return await run;
    }

    static async Task<T> PlainLinesAsync<T>(VideoAnalyzer analyzer, Task<T> run)
    {
        var clock = Stopwatch.StartNew();
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5))) != run)
        {
            if (!analyzer.Decoding)
            {
                Console.Error.WriteLine($"  opening the input ({clock.Elapsed.TotalSeconds:0} s)");
                continue;
            }
            long done = analyzer.FramesDecoded, total = analyzer.FramesExpected;
            // The expected count is the container's claim or an estimate: past it, show the count alone.
            string of = total > 0 && done <= total ? $"/{total} ({100.0 * done / total:0}%)" : "";
            Console.Error.WriteLine($"  {done}{of} frames, {done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):0.0} fps");
        }
        return await run;
    }
}
