using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// How an annotated video is encoded for WebM (what browsers play in a page without a licence
/// question): VP9 by libvpx at constant quality (CRF 31, libvpx's advice for 480p-720p, unless --crf says otherwise), on one
/// thread as x264 is, 4:2:0, with the same padding and colour conversion and tags as
/// <see cref="X264Output"/>. x264's presets are taken as libvpx speeds, so that --encoder-preset
/// means the same trade-off in either container.
/// </summary>
internal static class Vp9Output
{
    /// <summary>
    /// x264's preset as libvpx's deadline and speed. Measured here (the 640x480 sample clip, 300
    /// frames, one thread): realtime 8 took 1.1 s (471 KB), realtime 5 1.3 s (393 KB), good 4 7.0 s
    /// (309 KB), good 1 10.6 s (295 KB); x264 veryfast, the default, 0.9 s. The presets up to medium
    /// stay realtime: a slower one would cap the pipeline.
    /// </summary>
    static (string Deadline, int Speed) SpeedOf(string preset) => preset switch
    {
        "ultrafast" or "superfast" or "veryfast" => ("realtime", 8),
        "faster" => ("realtime", 7),
        "fast" => ("realtime", 6),
        "medium" => ("realtime", 5),
        "slow" => ("good", 4),
        "slower" => ("good", 2),
        "veryslow" => ("good", 1),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "not one of x264's presets (AnalyzeOptions.Validate says so to the user first)"),
    };

    public const int DefaultCrf = 31;

    /// <summary>libvpx's range of constant rate factors (0 best, 63 the smallest).</summary>
    public const int MaxCrf = 63;

    public static FFMpegOutputOptions Apply(FFMpegOutputOptions options, string preset, OutputColour colour, int? crf = null)
    {
        var (deadline, speed) = SpeedOf(preset);
        return options
            .WithCustomArgument($"-c:v libvpx-vp9 -deadline {deadline} -cpu-used {speed} -threads 1 -b:v 0 -crf {crf ?? DefaultCrf}")
            .WithCustomArgument($"-filter:v:0 {X264Output.Filter(colour)}")
            .WithCustomArgument(colour.Tags);
    }
}
