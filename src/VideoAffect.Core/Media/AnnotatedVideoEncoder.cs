using System.Globalization;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Encodes the frames of a channel to H.264 MP4 with an ffmpeg child process fed raw BGR24 frames
/// with their timestamps (Matroska, through a pipe), so every frame keeps the source's own time
/// (variable frame rates stay variable) in the source's time base, and adds the source's audio,
/// aligned by the same origin. Frames are released back to their pool once written. When the
/// channel completes (also after a failure or a cancellation upstream) ffmpeg sees the end of its
/// input and finalises a playable file whose audio ends with its video.
/// </summary>
public sealed class AnnotatedVideoEncoder(VideoInfo source, string outputPath, bool keepAudio = true, string preset = AnnotatedVideoEncoder.DefaultPreset) : IFrameSink
{
    /// <summary>x264's speed/size trade-off; see the README for what each costs here.</summary>
    public const string DefaultPreset = "veryfast";
    public static readonly IReadOnlyList<string> Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public long FramesEncoded => Interlocked.Read(ref _frames);
    long _frames;

    public async Task RunAsync(ChannelReader<VideoFrame> input)
    {
        var pipe = new FramePipeSource(this, input);
        bool withAudio = keepAudio && source.HasAudio;
        var arguments = FFMpegArguments.FromPipeInput(pipe);
        // Both inputs keep their timestamps (-copyts), measured from the source's start: the frames
        // are written that way, the audio is moved by the same amount.
        string origin = (-source.StartTime).ToString("R", CultureInfo.InvariantCulture);
        if (withAudio) arguments = arguments.AddFileInput(source.Path, verifyExists: true, o => o.WithCustomArgument($"-itsoffset {origin}"));
        var result = await arguments
            .OutputToFile(outputPath, overwrite: true, o =>
            {
                // The source's time base for the encoder and the MP4 track: its frame times then survive exactly.
                string timescale = source.TimeBase.Split('/')[^1];
                o.WithCustomArgument($"-copyts -map 0:v:0 -fps_mode passthrough -enc_time_base {source.TimeBase} -video_track_timescale {timescale}");
                if (withAudio) o.WithCustomArgument("-map 1:a:0").WithAudioCodec(AudioCodec.Aac);
                X264Output.Apply(o, preset).WithFastStart().ForceFormat("mp4");
            })
            .WithLogLevel(FFMpegLogLevel.Error)
            .ProcessAsynchronously(throwOnError: false);
        if (!result.Success)
            throw new VideoAffectException($"encoding '{outputPath}' failed ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
        if (withAudio && pipe.EndedEarly && pipe.VideoEnd is { } end) await CutAudioAsync(end);
    }

    /// <summary>
    /// A run that stopped early has video up to where it stopped but the source's whole audio:
    /// remux (no re-encoding) so that the audio ends with the video. ffmpeg's -shortest would cut
    /// complete runs too, and imprecisely (by a few hundred milliseconds).
    /// </summary>
    async Task CutAudioAsync(double videoEnd)
    {
        string cut = outputPath + ".cut.mp4";
        var cutResult = await FFMpegArguments.FromFileInput(outputPath)
            .OutputToFile(cut, overwrite: true, o => o
                .WithCustomArgument($"-map 0 -c copy -t {videoEnd.ToString("R", CultureInfo.InvariantCulture)}")
                .WithFastStart().ForceFormat("mp4"))
            .WithLogLevel(FFMpegLogLevel.Error)
            .ProcessAsynchronously(throwOnError: false);
        if (cutResult.Success) File.Move(cut, outputPath, overwrite: true);
        else File.Delete(cut); // the uncut file is still whole and playable
    }

    sealed class FramePipeSource(AnnotatedVideoEncoder encoder, ChannelReader<VideoFrame> input) : IPipeSource
    {
        /// <summary>The input was completed by a failure or a cancellation upstream.</summary>
        public bool EndedEarly { get; private set; }
        /// <summary>Output time just after the last frame written (its start plus the gap before it).</summary>
        public double? VideoEnd { get; private set; }
        double _lastTime = double.NaN;

        public string GetStreamArguments() => "-f matroska";

        public async Task WriteAsync(Stream output, CancellationToken token)
        {
            var writer = new FfmpegPipeWriter(output, flushEachFrame: false);
            var matroska = new Matroska.RawVideoMatroskaWriter(encoder.Source.Width, encoder.Source.Height, 1 / encoder.Source.FrameRate);
            try
            {
                await writer.WriteAsync(matroska.Header());
                while (await MoreFramesAsync())
                    while (input.TryRead(out var frame))
                    {
                        using (frame)
                        {
                            double time = frame.Timestamp - encoder.Source.StartTime;
                            await writer.WriteAsync(matroska.FramePrefix(time));
                            await writer.WriteAsync(frame.Pixels.AsMemory(0, frame.ByteCount));
                            double step = double.IsNaN(_lastTime) ? 1 / encoder.Source.FrameRate : time - _lastTime;
                            VideoEnd = time + step;
                            _lastTime = time;
                        }
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
            catch (Exception)
            {
                EndedEarly = true;
                return false;
            }
        }
    }

    VideoInfo Source => source;
}
