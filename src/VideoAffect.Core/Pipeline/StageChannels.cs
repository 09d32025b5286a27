using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace VideoAffect.Pipeline;

/// <summary>
/// How a stage reads its input: an upstream failure or cancellation ends the input like a normal
/// end (after every frame already queued), and the stage passes that same error on when it
/// completes its own output. So a source error drains through the pipeline instead of dropping
/// queued frames, and only a stage's own failure faults its task.
/// </summary>
static class StageChannels
{
    public static async IAsyncEnumerable<T> ReadUntilEndAsync<T>(this ChannelReader<T> reader, [EnumeratorCancellation] CancellationToken token)
    {
        while (await WaitAsync(reader, token))
            while (reader.TryRead(out var item))
                yield return item;
    }

    /// <summary>True while items remain; false at the end of the input, however upstream ended it.</summary>
    public static async ValueTask<bool> WaitAsync<T>(ChannelReader<T> reader, CancellationToken token)
    {
        try { return await reader.WaitToReadAsync(token); }
        catch (Exception) when (reader.Completion.IsCompleted && !token.IsCancellationRequested) { return false; }
    }

    /// <summary>The error upstream completed the channel with, to hand downstream; null after a clean end.</summary>
    public static Exception? UpstreamError<T>(this ChannelReader<T> reader) => reader.Completion switch
    {
        { IsFaulted: true } t => t.Exception!.GetBaseException(),
        { IsCanceled: true } => new OperationCanceledException("the source was cancelled"),
        _ => null,
    };
}
