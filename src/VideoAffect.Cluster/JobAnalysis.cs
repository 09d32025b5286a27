using VideoAffect.Brokers.Files;
using VideoAffect.Pipeline;

namespace VideoAffect.Cluster;

/// <summary>
/// One job's `analyze` run, as the node runs it and as `cluster submit` checks it before the
/// cluster hears of it: its outputs in the job's folder, named as `analyze VIDEO -o FOLDER/` names
/// them (NAME.annotated.mp4, .jsonl or .csv, .summary.json, .html, the .faces folder), and its options. One place, so
/// the names the submitter checks for clashes are the names the node writes.
/// </summary>
public static class JobAnalysis
{
    /// <summary>Where a job's outputs go: <c>Video</c> is /dev/null without an annotated video, <c>Report</c> and <c>Faces</c> (a folder) null when not asked for.</summary>
    public static JobOutputs Outputs(string folder, string input, JobOptions? options)
    {
        var (video, events, summary) = FolderOutputs.In(folder, input);
        if (options?.VideoFormat is { } format) video = Path.ChangeExtension(video, Media.VideoContainer.ExtensionOf(format));
        return new JobOutputs(options?.NoVideo == true ? "/dev/null" : video,
            options?.Csv == true ? Path.ChangeExtension(events, ".csv") : events,
            summary,
            options?.Report == true ? Path.ChangeExtension(video, ".html") : null,
            options?.Faces == true ? VideoFacesFolder.PathIn(folder, input) : null);
    }

    /// <summary>A job's options in a few words, as `cluster status` lists them ("" for a plain analyze).</summary>
    public static string Describe(JobOptions? options)
    {
        if (options is null) return "";
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var words = new List<string>();
        if (options.Start is not null || options.End is not null)
            words.Add($"{(options.Start ?? 0).ToString("0.###", c)} s to {(options.End is { } end ? end.ToString("0.###", c) + " s" : "the end")}");
        if (options.RecordedAt is { } at) words.Add($"recorded at {at}");
        if (options.Csv) words.Add("CSV records");
        if (options.Report) words.Add("report");
        if (options.NoVideo) words.Add("no video");
        if (options.VideoFormat is { } format) words.Add($"{format} video");
        if (options.Crf is { } crf) words.Add($"CRF {crf}");
        if (options.Faces) words.Add("faces");
        return string.Join(", ", words);
    }

    /// <summary>The run of <paramref name="job"/> with the node's recognition options.</summary>
    public static AnalyzeOptions Options(JobClaim job, RecognitionOptions recognition)
    {
        var outputs = Outputs(job.OutputDirectory, job.Input, job.Options);
        return new AnalyzeOptions
        {
            InputPath = job.Input,
            OutputPath = outputs.Video,
            EventsPath = outputs.Events,
            SummaryPath = outputs.Summary,
            ReportPath = outputs.Report,
            Start = job.Options?.Start is { } start ? TimeSpan.FromSeconds(start) : null,
            End = job.Options?.End is { } end ? TimeSpan.FromSeconds(end) : null,
            RecordedAt = job.Options?.RecordedAt,
            Crf = job.Options?.Crf,
            Recognition = recognition,
        };
    }
}

/// <summary>A job's outputs, as its node writes them (see <see cref="JobAnalysis.Outputs"/>).</summary>
public sealed record JobOutputs(string Video, string Events, string Summary, string? Report, string? Faces);
