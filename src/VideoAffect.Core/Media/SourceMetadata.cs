using System.Globalization;
using System.Text;

namespace VideoAffect.Media;

/// <summary>A chapter of the source: its start and end in the source's own seconds, and its tags (title).</summary>
internal sealed record SourceChapter(double Start, double End, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// The source's tags and chapters as an FFMETADATA file, which the annotated video's encoder takes
/// them from. Not from the source itself: an input none of whose streams is taken is read to its
/// end by ffmpeg (its demuxer skips every packet looking for one it may return; measured with
/// strace: the whole file), so a silent video's tags would cost a second read of all of it, a
/// second download for one at a URL. The chapters are timed as the annotated video is, from the
/// start of what is analysed, those outside it left out and those across its edges cut to it.
/// </summary>
internal static class SourceMetadata
{
    /// <summary>Tags a muxer writes of its own (the tool, the MP4 brands): not the source's to pass on.</summary>
    static readonly HashSet<string> MuxersOwn = new(StringComparer.OrdinalIgnoreCase) { "encoder", "major_brand", "minor_version", "compatible_brands" };

    /// <summary>The FFMETADATA text, or null when there is nothing to carry.</summary>
    /// <param name="source">the probed source</param>
    /// <param name="from">the source time the annotated video starts at</param>
    /// <param name="to">the source time what is analysed ends at (infinity: the end)</param>
    /// <param name="keepTags">false: the chapters alone (--anonymize: tags can name the place, the camera, its owner)</param>
    public static string? Text(VideoInfo source, double from, double to, bool keepTags)
    {
        var tags = keepTags ? source.Tags.Where(t => !MuxersOwn.Contains(t.Key)).ToList() : [];
        var chapters = source.Chapters.Where(c => c.End > from && c.Start < to).ToList();
        if (tags.Count == 0 && chapters.Count == 0) return null;
        var text = new StringBuilder(";FFMETADATA1\n");
        foreach (var (key, value) in tags) text.Append(Escape(key)).Append('=').Append(Escape(value)).Append('\n');
        foreach (var chapter in chapters)
        {
            text.Append("[CHAPTER]\nTIMEBASE=1/1000000\n")
                .Append(CultureInfo.InvariantCulture, $"START={Microseconds(Math.Max(chapter.Start, from) - from)}\n")
                .Append(CultureInfo.InvariantCulture, $"END={Microseconds(Math.Min(chapter.End, to) - from)}\n");
            foreach (var (key, value) in chapter.Tags) text.Append(Escape(key)).Append('=').Append(Escape(value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// Whether the tags carried include keys named in reverse-DNS form (an iPhone's
    /// com.apple.quicktime.location.ISO6709, make, model and creationdate; an Android phone's
    /// com.android.version): MP4 and MOV hold such keys only in QuickTime's list of keyed tags
    /// ('keys' and 'ilst' under a 'mdta' handler), where ffmpeg writes every tag when told to
    /// (movflags use_metadata_tags), and drops them otherwise. That list replaces the usual atoms
    /// (a MOV's ©nam, ©xyz; an MP4's iTunes list), so it is chosen only for a source that has such
    /// keys, as a phone's own video has them (checked with ffprobe, 2026-12-07: every tag read back).
    /// </summary>
    public static bool HasKeyedTags(VideoInfo source, bool keepTags) =>
        keepTags && source.Tags.Keys.Any(key => !MuxersOwn.Contains(key) && key.Trim('.').Contains('.'));

    static long Microseconds(double seconds) => (long)Math.Round(seconds * 1_000_000);

    /// <summary>FFMETADATA's escapes: '=', ';', '#', '\' and a line break each after a backslash.</summary>
    static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '=' or ';' or '#' or '\\' or '\n') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
