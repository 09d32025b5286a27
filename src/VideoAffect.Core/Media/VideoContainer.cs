using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// The container an annotated video is written in, chosen by the output's extension: MP4 (and
/// .m4v), QuickTime MOV, or Matroska (which stays playable up to where a writer was killed), with
/// H.264 and AAC; or WebM, with VP9 and Opus, what a browser plays in a page. Any other name is
/// refused before the run: `-o out.txt` used to get an MP4 under that name.
/// </summary>
/// <param name="Muxer">ffmpeg's name for it.</param>
/// <param name="FastStart">Whether the index goes to the front (MP4, MOV), so a player starts before the whole file has arrived.</param>
/// <param name="Arguments">What else its muxer is told. Matroska and WebM: keep the audio encoder's priming
/// (AAC's 21 ms, Opus's 6.5 ms before the first frame) at its negative time, instead of moving every
/// frame that much later than the source's (and the records') times, as their muxer does by default;
/// MP4 and MOV hold the priming in an edit list.</param>
/// <param name="Vp9">Whether the video is VP9 with Opus audio (<see cref="Vp9Output"/>) rather than H.264 with AAC (<see cref="X264Output"/>).</param>
internal sealed record VideoContainer(string Muxer, bool FastStart, string Arguments = "", bool Vp9 = false)
{
    static readonly Dictionary<string, VideoContainer> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".mp4"] = new("mp4", FastStart: true),
        [".m4v"] = new("mp4", FastStart: true),
        [".mov"] = new("mov", FastStart: true),
        [".mkv"] = new("matroska", FastStart: false, "-avoid_negative_ts disabled"),
        [".webm"] = new("webm", FastStart: false, "-avoid_negative_ts disabled", Vp9: true),
    };

    /// <summary>Whether it holds attached files (Matroska alone): the fonts an ASS subtitle track is drawn with go on with it.</summary>
    public bool Attachments => Muxer == "matroska";

    /// <summary>
    /// Whether it can hold <paramref name="cover"/>: MP4 as its cover (JPEG, PNG or BMP), Matroska
    /// as an attachment (any picture). MOV cannot (ffmpeg 5.1 writes no cover in QuickTime's own
    /// mode), nor WebM (no attachments).
    /// </summary>
    public bool Holds(CoverPicture cover) => Muxer switch
    {
        "mp4" => cover.Mp4Holds,
        "matroska" => cover.Attachable,
        _ => false,
    };

    /// <summary>ffmpeg's encoder for the audio tracks.</summary>
    public string AudioEncoder => Vp9 ? "libopus" : "aac";

    /// <summary>
    /// What the audio goes through before its encoder, or null. Opus (libopus) takes only mono,
    /// stereo, 3.0, quad, 5.0, 5.1, 6.1 and 7.1 and refuses to start on any other layout, among
    /// them AC-3's common 5.1(side), 2.1 and 4.0 (and a layout a file does not name); ffmpeg's
    /// resampler maps those to the nearest of its own (5.1(side) to 5.1, 2.1 to stereo, 4.0 to 5.0,
    /// 16 unnamed channels to 7.1). AAC takes them all.
    /// </summary>
    public string? AudioFilter => Vp9 ? "aformat=channel_layouts=mono|stereo|3.0|quad|5.0|5.1|6.1|7.1" : null;

    /// <summary>
    /// How a source's subtitle track goes into this container: "copy" where its format is the
    /// container's own, else the encoder that converts it (MP4 and MOV hold text as mov_text, WebM
    /// as WebVTT, Matroska takes SubRip, ASS and WebVTT as they are and the rest as SubRip), or null
    /// where it cannot go: picture subtitles convert to nothing, and only Matroska takes them (DVD's,
    /// DVB's and Blu-ray's). (MP4 has a DVD subtitle track too, but a muxer that refused one would fail
    /// the whole run, after its frames: it is not risked.)
    /// <paramref name="fromText"/>: the track comes as ffmpeg's styled text (a part's retimed lines), so nothing is copied.
    /// </summary>
    public string? SubtitleCodecFor(SubtitleTrack track, bool fromText = false)
    {
        string? target = Muxer switch
        {
            "mp4" or "mov" => track.IsText ? "mov_text" : null,
            "webm" => track.IsText ? "webvtt" : null,
            _ => track.Codec switch
            {
                "subrip" or "srt" => "srt",
                "ass" or "ssa" => "ass",
                "webvtt" => "webvtt",
                "dvd_subtitle" or "dvb_subtitle" or "hdmv_pgs_subtitle" => "copy",
                _ => track.IsText ? "srt" : null,
            },
        };
        if (target is null || fromText) return target;
        // The track's own format already: copied as it is, nothing of its styling or timing touched.
        return target == "copy" || track.Codec == target || (target == "srt" && track.Codec == "subrip") ? "copy" : target;
    }

    /// <summary>The video encoder and its settings for this container, at x264's <paramref name="preset"/> (or its libvpx equivalent).</summary>
    public FFMpegOutputOptions EncodeVideo(FFMpegOutputOptions options, string preset, OutputColour colour, int? crf = null) =>
        Vp9 ? Vp9Output.Apply(options, preset, colour, crf) : X264Output.Apply(options, preset, colour, crf);

    /// <summary>A one-line <see cref="VideoAffectException"/> for a --crf this container's encoder does not take (x264 0 to 51, libvpx 0 to 63).</summary>
    public void CheckCrf(int? crf, string shown)
    {
        int max = Vp9 ? Vp9Output.MaxCrf : X264Output.MaxCrf;
        if (crf is { } value && (value < 0 || value > max))
            throw new VideoAffectException(Vp9
                ? $"--crf {value}: libvpx's constant rate factor for '{shown}' (WebM) goes from 0 (best) to {max}"
                : $"--crf {value}: x264's constant rate factor for '{shown}' goes from 0 (lossless) to {max} (up to {Vp9Output.MaxCrf} is libvpx's, for .webm)");
    }

    /// <summary>The container for this output path; a one-line <see cref="VideoAffectException"/> for an extension we do not write.</summary>
    public static VideoContainer For(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var container) ? container
            : throw new VideoAffectException($"the annotated video '{path}' needs a name ending in {Extensions}");

    /// <summary>
    /// Checks the name the user gave and, where it is a symbolic link, the file it leads to, which is
    /// what gets written (and named the container): `-o clip.mp4` linking to notes.txt is refused
    /// before the run, saying so, not after the probe with the link's target's partial name.
    /// </summary>
    public static void Check(string given, string written)
    {
        For(given);
        if (!ByExtension.ContainsKey(Path.GetExtension(written)))
            throw new VideoAffectException($"the annotated video '{given}' is a link to '{written}', which needs a name ending in {Extensions} to be written");
    }

    /// <summary>
    /// The formats a command that names its annotated videos itself (NAME.annotated.EXT in a folder
    /// or beside the input: `analyze --video-format`, `cluster submit --video-format`) writes them in,
    /// each with its extension: what a batch needs to write WebM for a page.
    /// </summary>
    public static readonly IReadOnlyList<string> FormatNames = ["mp4", "mov", "mkv", "webm"];

    /// <summary>The extension of <paramref name="format"/> (one of <see cref="FormatNames"/>, any case, with or without its dot); a one-line error for another.</summary>
    public static string ExtensionOf(string format, string option = "--video-format") =>
        FormatNames.FirstOrDefault(f => string.Equals(f, format.TrimStart('.'), StringComparison.OrdinalIgnoreCase)) is { } name ? "." + name
            : throw new VideoAffectException($"{option} '{format}': give {string.Join(", ", FormatNames.SkipLast(1))} or {FormatNames[^1]}");

    static string Extensions => $"{string.Join(", ", ByExtension.Keys)} (H.264 in MP4, MOV or Matroska; VP9 in WebM)";
}
