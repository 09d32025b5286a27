using System.Threading.Channels;

namespace VideoAffect.Media;

/// <summary>The end of a pipeline: takes every frame of a channel until it completes, and releases each.</summary>
internal interface IFrameSink
{
    /// <summary>Frames taken so far.</summary>
    long FramesEncoded { get; }
    Task RunAsync(ChannelReader<VideoFrame> input);
}

/// <summary>Takes frames and keeps none: the video output of a run told to write none (`-o /dev/null`).</summary>
internal sealed class DiscardingSink : IFrameSink
{
    long _frames;
    public long FramesEncoded => Interlocked.Read(ref _frames);

    public async Task RunAsync(ChannelReader<VideoFrame> input)
    {
        try
        {
            while (await input.WaitToReadAsync(CancellationToken.None))
                while (input.TryRead(out var frame))
                {
                    frame.Dispose();
                    Interlocked.Increment(ref _frames);
                }
        }
        catch (Exception) { } // upstream failed or was cancelled: its error is reported there
    }
}
