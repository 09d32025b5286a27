using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// Records a stream's annotated frames as H.264 MP4 segments of a fixed length
/// (NAME-YYYYmmdd-HHMMSS.mp4 in the folder), timed by the wall clock at which frames arrive, so
/// dropped frames and reconnects show as the gaps they were. A new frame size (after a reconnect)
/// closes the current recording and starts the next. Closing finalises the last segment. The
/// recording never holds the stream back: when the encoder falls behind by a queue's worth of
/// frames, frames are left out of the recording and counted (<paramref name="skipped"/>).
/// </summary>
public sealed class SegmentRecorder(string directory, string streamName, TimeSpan segmentLength, Action<string>? log = null, Action? skipped = null) : IAsyncDisposable
{
    bool _skipLogged;
    Channel<VideoFrame>? _frames;
    Task? _encoder;
    (int Width, int Height) _size;

    public long FramesWritten => Interlocked.Read(ref _written);
    long _written;

    /// <summary>Takes the frame (and disposes it once written).</summary>
    public async Task WriteAsync(VideoFrame frame)
    {
        if (_frames is null || _size != (frame.Width, frame.Height))
        {
            await CloseAsync();
            _size = (frame.Width, frame.Height);
            _frames = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
            _encoder = EncodeAsync(_frames.Reader, frame.Width, frame.Height);
        }
        if (_frames.Writer.TryWrite(frame)) return;
        frame.Dispose();
        skipped?.Invoke();
        if (!_skipLogged) log?.Invoke($"{streamName}: the recording falls behind; frames are left out of it (counted), the stream goes on");
        _skipLogged = true;
    }

    async Task CloseAsync()
    {
        if (_frames is null) return;
        _frames.Writer.TryComplete();
        try { await _encoder!; }
        catch (VideoAffectException e) { log?.Invoke($"{streamName}: recording failed: {e.Message}"); }
        _frames = null;
    }

    async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height)
    {
        Directory.CreateDirectory(directory);
        string pattern = Path.Combine(directory, $"{streamName}-%Y%m%d-%H%M%S.mp4");
        var result = await FFMpegArguments.FromPipeInput(new RawFrames(this, input, width, height))
            .OutputToFile(pattern, overwrite: true, o => X264Output.Apply(o, AnnotatedVideoEncoder.DefaultPreset)
                // Every frame kept at its arrival time; a key frame at each segment boundary, where the
                // segment muxer may cut.
                .WithCustomArgument("-fps_mode passthrough")
                .WithCustomArgument(FormattableString.Invariant($"-force_key_frames expr:gte(t,n_forced*{segmentLength.TotalSeconds:0.###})"))
                .WithCustomArgument(FormattableString.Invariant($"-f segment -segment_time {segmentLength.TotalSeconds:0.###} -reset_timestamps 1 -strftime 1 -segment_format mp4")))
            .WithLogLevel(FFMpegLogLevel.Error)
            .ProcessAsynchronously(throwOnError: false);
        // Drain what ffmpeg did not take, so every frame goes back to its pool.
        while (input.TryRead(out var left)) left.Dispose();
        if (!result.Success)
            throw new VideoAffectException(FfmpegErrors.Reason(string.Join('\n', result.StandardError)));
    }

    sealed class RawFrames(SegmentRecorder recorder, ChannelReader<VideoFrame> input, int width, int height) : IPipeSource
    {
        // Wall-clock timestamps on the raw input: the recording keeps the stream's real timing.
        public string GetStreamArguments() => $"-use_wallclock_as_timestamps 1 -f rawvideo -pix_fmt bgr24 -video_size {width}x{height}";

        public async Task WriteAsync(Stream output, CancellationToken token)
        {
            var writer = new FfmpegPipeWriter(output, flushEachFrame: true);
            try
            {
                while (await input.WaitToReadAsync(CancellationToken.None))
                    while (input.TryRead(out var frame))
                        using (frame)
                        {
                            await writer.WriteAsync(frame.Pixels.AsMemory(0, frame.ByteCount));
                            Interlocked.Increment(ref recorder._written);
                        }
                await writer.CompleteAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // ffmpeg went away; its exit code says why.
            }
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
