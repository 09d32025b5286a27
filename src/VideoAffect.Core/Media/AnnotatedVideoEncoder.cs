using System.Globalization;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Encodes the frames of a channel to H.264 MP4 with an ffmpeg child process fed raw BGR24 through a
/// pipe, at the source's frame rate, copying in the source's audio track when it has one. Frames are
/// released back to their pool once written. When the channel completes (also after a failure or a
/// cancellation upstream) ffmpeg sees the end of its input and finalises a playable file.
/// </summary>
public sealed class AnnotatedVideoEncoder(VideoInfo source, string outputPath, bool keepAudio = true)
{
    public long FramesEncoded => Interlocked.Read(ref _frames);
    long _frames;

    public async Task RunAsync(ChannelReader<VideoFrame> input)
    {
        var pipe = new FramePipeSource(this, input);
        bool withAudio = keepAudio && source.HasAudio;
        var arguments = FFMpegArguments.FromPipeInput(pipe);
        if (withAudio) arguments = arguments.AddFileInput(source.Path);
        var result = await arguments
            .OutputToFile(outputPath, overwrite: true, o =>
            {
                o.WithCustomArgument("-map 0:v:0");
                if (withAudio) o.WithCustomArgument("-map 1:a:0").WithAudioCodec(AudioCodec.Aac);
                o.WithVideoCodec(VideoCodec.LibX264)
                    .WithSpeedPreset(EncoderPreset.VeryFast)
                    .WithCustomArgument("-threads 1")
                    .WithConstantRateFactor(20)
                    .WithCustomArgument("-pix_fmt yuv420p")
                    // 4:2:0 needs even sides: an odd-sized source (down to 1x1) gets one black edge pixel.
                    .WithCustomArgument("-vf pad=ceil(iw/2)*2:ceil(ih/2)*2")
                    .WithFastStart()
                    .ForceFormat("mp4");
            })
            .WithLogLevel(FFMpegLogLevel.Error)
            .ProcessAsynchronously(throwOnError: false);
        if (!result.Success)
            throw new VideoAffectException($"encoding '{outputPath}' failed ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
    }

    sealed class FramePipeSource(AnnotatedVideoEncoder encoder, ChannelReader<VideoFrame> input) : IPipeSource
    {
        public string GetStreamArguments() => string.Create(CultureInfo.InvariantCulture,
            $"-f rawvideo -pix_fmt bgr24 -video_size {encoder.Source.Width}x{encoder.Source.Height} -framerate {encoder.Source.FrameRate:R}");

        public async Task WriteAsync(Stream output, CancellationToken token)
        {
            var writer = new FfmpegPipeWriter(output, flushEachFrame: false);
            try
            {
                while (await MoreFramesAsync())
                    while (input.TryRead(out var frame))
                    {
                        using (frame)
                            await writer.WriteAsync(frame.Pixels.AsMemory(0, frame.ByteCount));
                        Interlocked.Increment(ref encoder._frames);
                    }
                await writer.CompleteAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // ffmpeg went away; its exit code and error output, checked by RunAsync, say why.
            }
        }

        /// <summary>
        /// False at the end of the input, also when upstream completed it with an error or a
        /// cancellation: either way ffmpeg gets a clean end of stream and finalises what it has.
        /// </summary>
        async Task<bool> MoreFramesAsync()
        {
            try { return await input.WaitToReadAsync(CancellationToken.None); }
            catch (Exception) { return false; }
        }
    }

    VideoInfo Source => source;
}
