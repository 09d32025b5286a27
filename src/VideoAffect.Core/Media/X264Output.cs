using FFMpegCore;
using FFMpegCore.Enums;

namespace VideoAffect.Media;

/// <summary>
/// How every annotated video we write is encoded, in one place for the file encoder and the live
/// recorder alike: H.264 by x264 at the chosen preset and CRF (20 unless --crf says otherwise), on one thread (the pipeline's own
/// stages need the cores), 4:2:0 for every player, with odd frame sides padded to even by one black
/// edge pixel (4:2:0 cannot hold an odd side; a 1x1 source works too).
/// Colours are converted and tagged as <see cref="OutputColour"/> says, so that a player shows the
/// annotated video as it shows the source.
/// </summary>
internal static class X264Output
{
    /// <summary>x264's constant rate factor unless one is given: visually near the source at a few hundred kB a minute of 640x480.</summary>
    public const int DefaultCrf = 20;

    /// <summary>x264's range of constant rate factors (0 lossless, 51 the smallest).</summary>
    public const int MaxCrf = 51;

    /// <summary>
    /// How many frames x264 holds back to reorder them at the presets we use (B-frames in a
    /// pyramid): its first decode time is that many frames before its first frame's time, and a
    /// fragmented MP4, which has no edit list, moves the whole video track later by the difference
    /// (<see cref="TimedFramePipe.ReorderDelay"/>).
    /// </summary>
    public const int ReorderFrames = 2;

    public static FFMpegOutputOptions Apply(FFMpegOutputOptions options, string preset, OutputColour colour, int? crf = null) => options
        .WithVideoCodec(VideoCodec.LibX264)
        .WithCustomArgument($"-preset {preset}")
        .WithCustomArgument("-threads 1")
        .WithConstantRateFactor(crf ?? DefaultCrf)
        // The first video stream's alone: a cover picture copied beside it (AnnotatedVideoEncoder) takes no filter.
        .WithCustomArgument($"-filter:v:0 {Filter(colour)}")
        .WithCustomArgument(colour.Tags);

    /// <summary>Odd sides padded to even, RGB converted to the output's matrix in TV range, 4:2:0: what every encoder here is given.</summary>
    public static string Filter(OutputColour colour) => $"pad=ceil(iw/2)*2:ceil(ih/2)*2,scale=out_color_matrix={colour.Matrix}:out_range=tv,format=yuv420p";
}
