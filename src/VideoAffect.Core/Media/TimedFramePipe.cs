using System.Threading.Channels;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// The one way our frames reach an x264 ffmpeg: raw BGR24 in Matroska through a pipe, each frame
/// at the time <paramref name="timeOf"/> gives it (the source's own time for a file, the capture
/// time for a live stream), released back to its pool once written. When the channel completes
/// (also after a failure or a cancellation upstream) ffmpeg sees a clean end of input and
/// finalises what it has.
/// </summary>
internal sealed class TimedFramePipe(ChannelReader<VideoFrame> input, int width, int height, double frameSeconds, Func<VideoFrame, double> timeOf) : IPipeSource
{
    double _lastTime = double.NaN;
    long _frames;

    /// <summary>Frames handed to ffmpeg.</summary>
    public long Frames => Interlocked.Read(ref _frames);
    /// <summary>The input was completed by a failure or a cancellation upstream.</summary>
    public bool EndedEarly { get; private set; }
    /// <summary>Output time just after the last frame written (its start plus the gap before it).</summary>
    public double? VideoEnd { get; private set; }

    readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<double> _reorderDelay = new(TaskCreationOptions.RunContinuationsAsynchronously);
    double _firstTime;

    /// <summary>
    /// How much later than their times a fragmented MP4 shows x264's frames (<see cref="X264Output.ReorderFrames"/>):
    /// the time of that frame less the first's, once it has been written; 0 when fewer frames came.
    /// </summary>
    public Task<double> ReorderDelay => _reorderDelay.Task;
    /// <summary>Completes once every frame has been handed over and the input closed (or ffmpeg went away): <see cref="VideoEnd"/> is final.</summary>
    public Task Ended => _ended.Task;

    public string GetStreamArguments() => "-f matroska";

    public async Task WriteAsync(Stream output, CancellationToken token)
    {
        var writer = new FfmpegPipeWriter(output, flushEachFrame: false);
        var matroska = new Matroska.RawVideoMatroskaWriter(width, height, frameSeconds);
        try
        {
            await writer.WriteAsync(matroska.Header());
            while (await MoreFramesAsync())
                while (input.TryRead(out var frame))
                {
                    using (frame)
                    {
                        double time = timeOf(frame);
                        await writer.WriteAsync(matroska.FramePrefix(time));
                        await writer.WriteAsync(frame.Pixels.AsMemory(0, frame.ByteCount));
                        if (double.IsNaN(_lastTime)) _firstTime = time;
                        if (Frames == X264Output.ReorderFrames) _reorderDelay.TrySetResult(time - _firstTime);
                        double step = double.IsNaN(_lastTime) ? frameSeconds : time - _lastTime;
                        VideoEnd = time + step;
                        _lastTime = time;
                    }
                    Interlocked.Increment(ref _frames);
                }
            await writer.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // ffmpeg went away; its exit code and error output, checked by the writer that runs it, say why.
        }
        finally
        {
            _reorderDelay.TrySetResult(0);
            _ended.TrySetResult();
        }
    }

    /// <summary>False at the end of the input, also when upstream completed it with an error or a cancellation.</summary>
    async Task<bool> MoreFramesAsync()
    {
        try { return await input.WaitToReadAsync(CancellationToken.None); }
        catch (Exception)
        {
            EndedEarly = true;
            return false;
        }
    }
}
