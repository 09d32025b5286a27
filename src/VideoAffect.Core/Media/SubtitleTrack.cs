namespace VideoAffect.Media;

/// <summary>
/// One of a source's subtitle streams, as the annotated video carries it on: a film's or a
/// lecture's subtitles in each language stay with the picture they belong to.
/// </summary>
/// <param name="Number">Its place among the file's subtitle streams (ffmpeg's <c>s:N</c>).</param>
/// <param name="Codec">ffprobe's codec name (subrip, ass, mov_text, webvtt, hdmv_pgs_subtitle...).</param>
/// <param name="Language">Its language tag, or null.</param>
/// <param name="Title">Its title tag ("English SDH", "Commentary"), or null.</param>
/// <param name="Default">Marked to be shown by default.</param>
/// <param name="Forced">Marked forced (only the foreign-language lines of a film).</param>
internal sealed record SubtitleTrack(int Number, string Codec, string? Language, string? Title, bool Default, bool Forced)
{
    /// <summary>
    /// Subtitles that are text (timed lines, maybe styled), which ffmpeg converts from one format
    /// to another: any of them can go into any container we write. ffmpeg reads each of these to
    /// the same styled text (ASS), which is what it encodes from.
    /// </summary>
    static readonly HashSet<string> TextCodecs = new(StringComparer.Ordinal)
    {
        "subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text", "microdvd", "subviewer", "subviewer1",
        "sami", "realtext", "pjs", "mpl2", "jacosub", "vplayer", "stl",
    };

    /// <summary>
    /// Subtitles that are pictures (DVD, Blu-ray, DVB), which no conversion turns into text: they
    /// go only where their own format may go.
    /// </summary>
    static readonly HashSet<string> PictureCodecs = new(StringComparer.Ordinal) { "dvd_subtitle", "dvb_subtitle", "hdmv_pgs_subtitle", "xsub" };

    public bool IsText => TextCodecs.Contains(Codec);

    public bool IsPicture => PictureCodecs.Contains(Codec);

    /// <summary>"subtitle track 2 (hdmv_pgs_subtitle, eng)" for messages.</summary>
    public string Shown => $"subtitle track {Number + 1} ({Codec}{(Language is { Length: > 0 } l && l != "und" ? ", " + l : "")})";
}
