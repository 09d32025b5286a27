using VideoAffect.Outputs;
using VideoAffect.Pipeline;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Files;

/// <summary>
/// A video's faces folder (`analyze --faces`, `cluster submit --faces`): each track as its most
/// confident face, FOLDER/NAME.faces/HHMMSS.mmm_TRACK_LABEL.jpg (the track's start in the video)
/// with the track's description beside it (.json), written by the same sink as `monitor --faces`
/// into the folder's partial name while the run goes, and put in place as a whole only when the run
/// completes (<see cref="FolderOutput"/>: an earlier run's folder is replaced in one step; a folder
/// VideoAffect did not make is never touched). One place for the command and the cluster's nodes.
/// </summary>
public sealed class VideoFacesFolder : IAsyncDisposable
{
    readonly FolderOutput _folder;

    VideoFacesFolder(FolderOutput folder) => _folder = folder;

    /// <summary>The folder of one input's faces inside <paramref name="folder"/>: NAME.faces, NAME as the input's other outputs are named.</summary>
    public static string PathIn(string folder, string input) => Path.Combine(folder, FolderOutputs.Stem(input) + ".faces");

    /// <summary>
    /// One video's run with its faces folder when <paramref name="facesPath"/> asks for one: the
    /// folder is claimed before the run (checked against its inputs and other outputs), and put in
    /// place after the sinks have written their last face, when the run completes.
    /// </summary>
    /// <param name="newSinks">the run's other sinks</param>
    /// <param name="run">runs the analyzer (the command watches its progress on the way)</param>
    /// <param name="log">where to say where a failed run's faces stay</param>
    /// <returns>the run's summary, and where its faces are (null without any)</returns>
    public static async Task<(AnalysisSummary Result, string? Faces)> AnalyzeAsync(AnalyzeOptions options, string? facesPath, Func<EventSinks> newSinks,
        Func<VideoAnalyzer, Task<AnalysisSummary>> run, Action<string>? log)
    {
        await using var faces = Claim(facesPath, options);
        AnalysisSummary result;
        try
        {
            await using var sinks = faces is null ? newSinks() : faces.With(newSinks());
            result = await run(new VideoAnalyzer(options, log, sinks));
        }
        catch
        {
            // A failed run's faces stay under the partial name, as its other outputs do.
            if (faces?.Finish(complete: false) is { } kept) log?.Invoke($"faces: {kept}");
            throw;
        }
        return (result, faces?.Finish(result.Complete));
    }

    const string What = "faces folder";

    /// <summary>
    /// The claim's checks without the claim, for a batch whose every folder is checked before its
    /// first run starts (`analyze A B --faces F`, `cluster submit --faces`): a folder VideoAffect did
    /// not make, or an input inside it, refuses the whole batch, not its second video half-way. A
    /// folder whose parent is not made yet (a cluster's new output folder) has nothing to check.
    /// </summary>
    public static void Check(string path, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        if (!Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path).TrimEnd('/')))) return;
        FolderOutput.Check(path, What, FaceFolderSink.VideoTimeNames, inputs, outputs);
    }

    /// <summary>Claims the run's faces folder before it starts (checked against its inputs and other outputs); null without one.</summary>
    static VideoFacesFolder? Claim(string? path, AnalyzeOptions options)
    {
        if (path is null) return null;
        FaceFolderSink.CheckKeepsFaces(options.Recognition);
        var folder = FolderOutput.Claim(path, What, FaceFolderSink.VideoTimeNames,
            inputs: [options.InputPath, options.Recognition.ModelPath ?? "", options.Recognition.Detector.CascadePath],
            outputs: [options.OutputPath, options.EventsPath, options.SummaryPath ?? "", options.ReportPath ?? "", options.CaptionsPath ?? ""]);
        return new VideoFacesFolder(folder);
    }

    /// <summary>The run's sinks with the faces' own: it writes into the partial folder, and is named by the final one.</summary>
    EventSinks With(EventSinks sinks) =>
        new([.. sinks.All, new FaceFolderSink(_folder.Partial, layout: FaceFolderLayout.VideoTime, shownAs: _folder.Final)]);

    /// <summary>
    /// After the run and its sinks are done: a complete run's folder goes in place; an unfinished
    /// one stays under its partial name when it holds faces (as a partial file does), else it goes.
    /// </summary>
    /// <returns>where the faces are, for the command's last lines; null when there are none</returns>
    string? Finish(bool complete)
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

    /// <summary>Lets the folder go (its lock); what was written stays as <see cref="Finish"/> left it.</summary>
    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
