namespace VideoAffect.Reports;

/// <summary>
/// The annotated video a report's page plays beside its charts: a click on the timeline or on a
/// track's chart, or a track's time, plays it from that moment.
/// </summary>
/// <param name="Url">Its address relative to the report (the two may be in different folders), each part escaped for a URL.</param>
/// <param name="Origin">The source's time of the video's second 0: the annotated video of a part (--start) starts at 0.</param>
/// <param name="CaptionsUrl">The run's WebVTT captions (`--captions`), relative to the report as the video is; null without them.</param>
internal sealed record ReportVideo(string Url, double Origin, string? CaptionsUrl = null)
{
    /// <summary>The video at <paramref name="video"/> (and the captions at <paramref name="captions"/>) as seen from a report written to <paramref name="report"/>.</summary>
    public static ReportVideo Between(string report, string video, double origin, string? captions = null)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(report))!;
        string Relative(string path) => string.Join('/', Path.GetRelativePath(folder, Path.GetFullPath(path)).Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
        return new ReportVideo(Relative(video), origin, captions is null ? null : Relative(captions));
    }
}
