using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Decodes a video file into BGR24 frames with an ffmpeg child process (FFMpegCore) writing raw
/// frames as Matroska into a pipe, so each frame arrives with its own presentation time (ffprobe's
/// best_effort_timestamp, as ffmpeg's decoder sets it: right for AVI packets without pts, variable
/// frame rates and late-starting streams alike). Frames go into a bounded channel: when it is full
/// the pipe fills and ffmpeg waits, so a file source never drops a frame.
/// </summary>
internal sealed class VideoFileDecoder(VideoInfo info, FrameBufferPool pool)
{
    /// <summary>Frames read so far.</summary>
    public long FramesDecoded => Interlocked.Read(ref _frames);
    long _frames;

    public async Task RunAsync(ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            var sink = new FrameSink(this, output, token);
            var result = await FFMpegArguments
                .FromFileInput(FfmpegPath.Escape(info.Path), verifyExists: false, o => o.WithCustomArgument($"{MediaLocation.InputOptions(info.Path)} {info.Filters.InputOptions}")) // probed already
                .OutputToPipe(sink, o => o
                    // The probed stream (not ffmpeg's own choice), at the source's own times.
                    .WithCustomArgument($"-copyts -map 0:{info.StreamIndex} -an -sn -dn")
                    // Keep every decoded frame once (no duplication or dropping) and pin the frame
                    // size, so a mid-stream size change cannot desynchronise the frames; an
                    // interlaced source is deinterlaced and HDR mapped to SDR first (SourceFilters).
                    .WithFpsMode(FpsMode.Passthrough)
                    // Matroska counts milliseconds: times scaled by 1000 arrive in microseconds.
                    .WithCustomArgument($"-vf {info.Filters.Chain}scale={info.Width}:{info.Height},setpts=PTS*{TimeScale}")
                    .WithCustomArgument("-enc_time_base -1 -c:v rawvideo -pix_fmt bgr24 -allow_raw_vfw 1")
                    // No CRC-32 per cluster: over raw frames through a local pipe it protects nothing,
                    // and computing it took half of this ffmpeg's CPU time (0.57 -> 0.30 s of user time
                    // for the 300-frame 640x480 sample).
                    .WithCustomArgument("-write_crc32 0")
                    .ForceFormat("matroska"))
                .WithLogLevel(FFMpegLogLevel.Error)
                .CancellableThrough(token)
                .ProcessAsynchronously(throwOnError: false);
            token.ThrowIfCancellationRequested();
            if (sink.Failure is not null) throw sink.Failure;
            if (!result.Success)
                throw new VideoAffectException($"decoding '{MediaLocation.Shown(info.Path)}' failed after {FramesDecoded} frames ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
            // ffmpeg exits 0 on a cut-off file after decoding what is there; the demuxer's
            // "partial file" message is the only sign, and a short result must not look complete.
            if (result.StandardError.Any(l => l.Contains("partial file", StringComparison.OrdinalIgnoreCase)))
                throw new VideoAffectException($"'{MediaLocation.Shown(info.Path)}' is truncated: its video ends after {FramesDecoded} frames");
            if (FramesDecoded == 0)
                throw new VideoAffectException($"'{MediaLocation.Shown(info.Path)}' contains no decodable video frames (damaged or truncated file)");
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            output.TryComplete(error);
        }
    }

    /// <summary>Cuts ffmpeg's raw byte stream into frames.</summary>
    /// <remarks>
    /// FFMpegCore cancels the token it passes to ReadAsync as soon as ffmpeg exits,
    /// while frames may still sit in the pipe behind a full channel; reading to the end of the pipe
    /// under our own token keeps those last frames.
    /// </remarks>
    /// <summary>How much the decoder's filter stretches time so that Matroska's milliseconds hold microseconds.</summary>
    const int TimeScale = 1000;

    sealed class FrameSink(VideoFileDecoder decoder, ChannelWriter<VideoFrame> output, CancellationToken runToken) : IPipeSink
    {
        public Exception? Failure { get; private set; }

        public string GetStreamArguments() => ""; // the output options already name the format

        public async Task ReadAsync(Stream input, CancellationToken ffmpegExited)
        {
            var token = runToken;
            var info = decoder.Info;
            var reader = new Matroska.RawVideoMatroskaReader(input);
            while (true)
            {
                var frame = new VideoFrame(decoder.FramesDecoded, 0, info.Width, info.Height, decoder.Pool);
                long? nanoseconds;
                try { nanoseconds = await reader.ReadFrameAsync(frame.Pixels.AsMemory(0, frame.ByteCount), token); }
                catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                {
                    frame.Dispose();
                    Failure = new VideoAffectException($"decoding '{MediaLocation.Shown(info.Path)}' ended inside frame {decoder.FramesDecoded} ({e.Message})");
                    return;
                }
                catch { frame.Dispose(); throw; }
                if (nanoseconds is not { } ns)
                {
                    frame.Dispose();
                    return;
                }
                frame.Timestamp = ns / 1e9 / TimeScale;
                try { await output.WriteAsync(frame, token); }
                catch { frame.Dispose(); throw; }
                Interlocked.Increment(ref decoder._frames);
            }
        }

    }

    VideoInfo Info => info;
    FrameBufferPool Pool => pool;
}
