using VideoAffect.Brokers.Files;
using VideoAffect.Outputs;
using VideoAffect.Pipeline;
using VideoAffect.Sinks;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `analyze --faces FOLDER`: each video's tracks as faces, FOLDER/NAME.faces/HHMMSS.mmm_TRACK_LABEL.jpg
/// (the track's start in the video, its most confident face) with the track's description beside it
/// (.json), written by the same sink as `monitor --faces` into the folder's partial name while the
/// run goes, and put in place as a whole only when the run completes (<see cref="FolderOutput"/>: an
/// earlier run's folder is replaced in one step; a folder VideoAffect did not make is never touched).
/// </summary>
sealed class AnalyzeFaces : IAsyncDisposable
{
    readonly FolderOutput _folder;

    AnalyzeFaces(FolderOutput folder) => _folder = folder;

    /// <summary>The folder of one input's faces inside FOLDER.</summary>
    public static string PathIn(string folder, string input) => Path.Combine(folder, FolderOutputs.Stem(input) + ".faces");

    /// <summary>Claims the run's faces folder before it starts (checked against its inputs and other outputs); null without --faces.</summary>
    public static AnalyzeFaces? Claim(string? path, AnalyzeOptions options)
    {
        if (path is null) return null;
        if (options.Recognition.Anonymize != Anonymization.None)
            throw new VideoAffectException("--faces keeps the faces that --anonymize hides; give one or the other");
        var folder = FolderOutput.Claim(path, "faces folder", FaceFolderSink.VideoTimeNames,
            inputs: [options.InputPath, options.Recognition.ModelPath ?? "", options.Recognition.Detector.CascadePath],
            outputs: [options.OutputPath, options.EventsPath, options.SummaryPath ?? "", options.ReportPath ?? ""]);
        return new AnalyzeFaces(folder);
    }

    /// <summary>The run's sinks with the faces' own: it writes into the partial folder, and is named by the final one.</summary>
    public EventSinks With(EventSinks sinks) =>
        new([.. sinks.All, new FaceFolderSink(_folder.Partial, layout: FaceFolderLayout.VideoTime, shownAs: _folder.Final)]);

    /// <summary>
    /// After the run and its sinks are done: a complete run's folder goes in place; an unfinished
    /// one stays under its partial name when it holds faces (as a partial file does), else it goes.
    /// </summary>
    /// <returns>where the faces are, for the command's last lines; null when there are none</returns>
    public string? Finish(bool complete)
    {
        if (!Directory.Exists(_folder.Partial))
            throw new VideoAffectException($"the faces folder's partial folder '{_folder.Partial}' was removed during the run; the faces are lost");
        int faces = Directory.EnumerateFiles(_folder.Partial, "*.jpg").Count();
        if (complete)
        {
            _folder.Commit();
            return $"{_folder.Given} ({faces} face{(faces == 1 ? "" : "s")})";
        }
        if (faces > 0) return $"{_folder.Partial} ({faces} face{(faces == 1 ? "" : "s")}, unfinished)";
        try
        {
            File.Delete(Path.Combine(_folder.Partial, FolderOutput.MarkerName));
            Directory.Delete(_folder.Partial); // only when nothing else is left in it
        }
        catch (IOException) { }
        return null;
    }

    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
