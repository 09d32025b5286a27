using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VideoAffect.Live;
using VideoAffect.Pipeline;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect;

/// <summary>
/// The library's front door: every frame's faces (boxes, labels, probabilities, track ids, times)
/// as an <see cref="IAsyncEnumerable{T}"/>, from a video file or a live source, with the same
/// pipeline as the CLI. The pipeline waits for the caller: nothing is dropped from a file, and a
/// live source's own queue drops its oldest frames if the caller falls behind. Leaving the loop
/// early stops the run.
/// <code>
/// await foreach (var frame in FaceEmotions.FromFileAsync("talk.mp4"))
///     foreach (var face in frame.Faces) Console.WriteLine($"{frame.Time:0.00} s #{face.Track} {face.Display.Label}");
/// </code>
/// </summary>
public static class FaceEmotions
{
    /// <summary>Every frame of a video file, in order, each with its classified faces (none on a frame without faces).</summary>
    public static async IAsyncEnumerable<FrameRecord> FromFileAsync(string path, RecognitionOptions? options = null, [EnumeratorCancellation] CancellationToken token = default)
    {
        options ??= new RecognitionOptions();
        var analyze = new AnalyzeOptions
        {
            InputPath = path,
            OutputPath = "/dev/null",
            EventsPath = "/dev/null",
            SummaryPath = null,
            KeepAudio = false,
            Recognition = options,
        };
        await foreach (var frame in Run((sinks, stop) => new VideoAnalyzer(analyze, null, sinks).RunAsync(stop), token)) yield return frame;
    }

    /// <summary>
    /// Frames of a live source (an rtsp:// URL, /dev/videoN, another ffmpeg URL, or a file played in
    /// real time) as they are processed, reconnecting as `monitor` does, until <paramref name="token"/> is cancelled.
    /// </summary>
    public static async IAsyncEnumerable<FrameRecord> FromLiveAsync(string source, RecognitionOptions? options = null, [EnumeratorCancellation] CancellationToken token = default)
    {
        options ??= new RecognitionOptions();
        var monitor = new MonitorOptions
        {
            Sources = [LiveSourceSpec.Parse(source, 0)],
            Recognition = options,
        };
        await foreach (var frame in Run(async (sinks, stop) =>
        {
            using var live = new LiveMonitor(monitor, null, sinks);
            var summary = await live.RunAsync(stop);
            if (summary.Status == "failed" || summary.Streams.Any(s => s.State == "failed"))
                throw new VideoAffectException(summary.Error ?? summary.Streams.First(s => s.State == "failed").LastError ?? "the source failed");
        }, token)) yield return frame;
    }

    /// <summary>Runs a pipeline with a sink that hands its records to the caller, and ends it when the caller leaves.</summary>
    static async IAsyncEnumerable<FrameRecord> Run(Func<EventSinks, CancellationToken, Task> start, [EnumeratorCancellation] CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var handOver = new HandOverSink(stop.Token);
        await using var sinks = new EventSinks([handOver]);
        var run = Task.Run(async () =>
        {
            try { await start(sinks, stop.Token); handOver.Complete(null); }
            catch (Exception e) { handOver.Complete(e); }
        });
        try
        {
            await foreach (var frame in handOver.Frames.ReadAllAsync(CancellationToken.None)) yield return frame;
            token.ThrowIfCancellationRequested();
        }
        finally
        {
            // The caller left early (or the run ended): stop the run, let it close, then report its failure if any.
            stop.CancelQuietly();
            await run;
        }
    }

    /// <summary>A sink that waits for the caller: the pipeline goes at the caller's pace.</summary>
    sealed class HandOverSink(CancellationToken stop) : IEventSink
    {
        readonly Channel<FrameRecord> _frames = Channel.CreateBounded<FrameRecord>(new BoundedChannelOptions(8) { SingleWriter = true, SingleReader = true });

        public ChannelReader<FrameRecord> Frames => _frames.Reader;
        public string Name => "caller";
        public SinkCounters Counters { get; } = new();
        public string? FatalError => null;
        public void Start(SinkRun run) { }

        public void Offer(FrameRecord record)
        {
            // Blocking the sink stage's own task is what makes the pipeline wait for the caller.
            if (!_frames.Writer.TryWrite(record)) _frames.Writer.WriteAsync(record, stop).AsTask().GetAwaiter().GetResult();
        }

        public Task FinishAsync(RunOutcome outcome) => Task.CompletedTask;
        public void Complete(Exception? error) => _frames.Writer.TryComplete(error);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
