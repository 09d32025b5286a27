namespace VideoAffect.Reports;

/// <summary>
/// The annotated video a report's page plays beside its charts: a click on the timeline or on a
/// track's chart, or a track's time, plays it from that moment.
/// </summary>
/// <param name="Url">Its address relative to the report (the two may be in different folders), each part escaped for a URL.</param>
/// <param name="Origin">The source's time of the video's second 0: the annotated video of a part (--start) starts at 0.</param>
internal sealed record ReportVideo(string Url, double Origin)
{
    /// <summary>The video at <paramref name="video"/> as seen from a report written to <paramref name="report"/>.</summary>
    public static ReportVideo Between(string report, string video, double origin)
    {
        string relative = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(report))!, Path.GetFullPath(video));
        return new ReportVideo(string.Join('/', relative.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString)), origin);
    }
}
