using System.Globalization;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Encodes the frames of a channel to one video in the container its name asks for
/// (<see cref="VideoContainer"/>: H.264 in MP4 unless it ends in .mov or .mkv; VP9 in .webm), fed through
/// <see cref="TimedFramePipe"/> so every frame keeps the source's own time (variable frame rates
/// stay variable) in the source's time base, and adds the source's audio tracks, aligned by the same
/// origin. A run that ends early still gets a playable file whose audio ends with its video.
/// </summary>
internal sealed class AnnotatedVideoEncoder(VideoInfo source, string outputPath, bool keepAudio = true, string preset = AnnotatedVideoEncoder.DefaultPreset) : IFrameSink
{
    /// <summary>x264's speed/size trade-off; see the README for what each costs here.</summary>
    public const string DefaultPreset = "veryfast";
    public static readonly IReadOnlyList<string> Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public long FramesEncoded => _pipe?.Frames ?? 0;

    /// <summary>How far before a part's start the audio is read from: more than any audio frame and any keyframe distance an audio demuxer seeks by.</summary>
    const double AudioSeekMargin = 5;
    TimedFramePipe? _pipe;
    readonly VideoContainer _container = VideoContainer.For(outputPath);

    public async Task RunAsync(ChannelReader<VideoFrame> input)
    {
        // Each frame at its own time in the source, measured from the source's start, or from the
        // start of the part that is analysed (--start): its annotated video then starts at 0.
        var range = source.Range;
        double origin = range.From(source);
        var pipe = _pipe = new TimedFramePipe(input, source.Width, source.Height, 1 / source.FrameRate, frame => frame.Timestamp - origin);
        bool withAudio = keepAudio && source.HasAudio;
        var arguments = FFMpegArguments.FromPipeInput(pipe);
        // Both inputs keep their timestamps (-copyts), measured from the same origin: the frames
        // are written that way, the audio is moved by the same amount. For a part, the audio is
        // read from a little before its start (a seek's inaccuracy moves nothing, as times are
        // kept) and cut to it by its own times (atrim), to the sample.
        string audioSeek = range.Start > 0 ? $" -ss {PlayRange.Argument(Math.Max(0, range.Start - AudioSeekMargin))} -noaccurate_seek" : "";
        if (withAudio) arguments = arguments.AddFileInput(FfmpegPath.Escape(source.Path), verifyExists: false,
            o => o.WithCustomArgument($"{MediaLocation.InputOptions(source.Path)}{audioSeek} -itsoffset {PlayRange.Argument(-origin)}"));
        var result = await arguments
            .OutputToFile(FfmpegPath.Escape(outputPath), overwrite: true, o =>
            {
                // The source's time base for the encoder and the MP4 track: its frame times then survive exactly.
                string timescale = source.TimeBase.Split('/')[^1];
                o.WithCustomArgument($"-copyts -map 0:v:0 -fps_mode passthrough -enc_time_base {source.TimeBase} -video_track_timescale {timescale}");
                // Every audio track (languages, commentary), each keeping its language and default mark.
                if (withAudio) o.WithCustomArgument($"-map 1:a -c:a {_container.AudioEncoder}");
                string? trim = range.IsWhole ? null : $"atrim=start=0{(range.End is { } end ? $":end={PlayRange.Argument(end - range.Start)}" : "")}";
                string audioFilters = string.Join(',', new[] { _container.AudioFilter, trim }.OfType<string>());
                if (withAudio && audioFilters.Length > 0) o.WithCustomArgument($"-af {audioFilters}");
                _container.EncodeVideo(o, preset, source.Colour);
                Finish(o);
            })
            .WithLogLevel(FFMpegLogLevel.Error)
            .RunAsync();
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
        string cut = outputPath + ".cut" + Path.GetExtension(outputPath);
        var cutResult = await FFMpegArguments.FromFileInput(FfmpegPath.Escape(outputPath), verifyExists: false)
            .OutputToFile(FfmpegPath.Escape(cut), overwrite: true, o => Finish(o
                .WithCustomArgument($"-map 0 -c copy -t {videoEnd.ToString("R", CultureInfo.InvariantCulture)}")))
            .WithLogLevel(FFMpegLogLevel.Error)
            .RunAsync();
        if (cutResult.Success) File.Move(cut, outputPath, overwrite: true);
        else File.Delete(cut); // the uncut file is still whole and playable
    }

    /// <summary>The container and its muxer's settings (<see cref="VideoContainer"/>).</summary>
    FFMpegOutputOptions Finish(FFMpegOutputOptions o)
    {
        if (_container.FastStart) o = o.WithFastStart();
        if (_container.Arguments.Length > 0) o = o.WithCustomArgument(_container.Arguments);
        return o.ForceFormat(_container.Muxer);
    }
}
