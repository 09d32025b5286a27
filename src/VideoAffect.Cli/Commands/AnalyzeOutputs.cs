using VideoAffect.Outputs;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// Where `analyze` writes for each input (beside it, or in the current folder for a URL or standard input). One
/// input: `-o`, `--events`, `--summary` and `--report` name files, as always. Any number of
/// inputs: each of them may instead name an existing folder,
/// which gets the outputs of every input there under the input's name (`-o out/` writes
/// out/NAME.annotated.mp4, and the records and summary beside it). With several inputs a file
/// name would be written once per input, so only a folder, /dev/null (`-o`) or nothing is taken.
/// </summary>
static class AnalyzeOutputs
{
    /// <summary>The paths of one input's run.</summary>
    public sealed record Planned(string Input, string Video, string Events, string Summary, string? Report, string? Faces = null, string? Captions = null);

    /// <summary>The inputs with each folder replaced by the video files in it (<see cref="FolderInputs"/>); a folder without any is an error.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var expanded = FolderInputs.Expand(inputs, FolderInputs.VideoExtensions, Animation);
        if (expanded.FirstOrDefault(Directory.Exists) is { } empty)
            throw new VideoAffectException(FolderInputs.Empty(empty, "video files", [.. FolderInputs.VideoExtensions, "animated .gif, .png and .webp"]) + FolderInputs.SequenceHint(empty));
        return expanded;
    }

    /// <summary>The image kinds that may hold an animation, which a folder's video files include.</summary>
    static readonly string[] AnimationExtensions = [".gif", ".png", ".apng", ".webp", ".avif"];

    /// <summary>An animation in a folder (a GIF, an animated PNG, WebP or AVIF) is a video to analyse; a still image is a photo, for classify.</summary>
    static bool Animation(string file) =>
        AnimationExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && Media.AnimatedImage.IsAnimatedFile(file);

    /// <param name="faces">--faces: a folder that exists, which gets each input's NAME.faces folder</param>
    /// <param name="piped">the file standard input is kept in ('-'), whose outputs default to the current folder</param>
    /// <param name="captions">--captions: a .vtt file (one input) or a folder that exists, which gets each input's NAME.annotated.vtt</param>
    /// <param name="videoFormat">--video-format: the container of the annotated videos this command names itself (in a folder, or beside the input)</param>
    public static IReadOnlyList<Planned> Plan(IReadOnlyList<string> inputs, string? output, string? events, string? summary, string? report, string? faces = null, string? piped = null,
        string? captions = null, string? videoFormat = null)
    {
        string extension = VideoExtension(videoFormat, output);
        if (faces is not null && !Directory.Exists(faces))
            throw new VideoAffectException(File.Exists(faces) || FileFacts.OfEntry(faces).Exists
                ? $"--faces names '{faces}', which is not a folder; give a folder that exists (each video's faces go into NAME.faces there)"
                : $"--faces names the folder '{faces}', which does not exist; create it first");
        bool several = inputs.Count > 1;
        string? videoFolder = Folder(output, "-o", several, nullDeviceAllowed: true);
        string? eventsFolder = Folder(events, "--events", several, nullDeviceAllowed: true);
        string? summaryFolder = Folder(summary, "--summary", several, nullDeviceAllowed: true);
        string? reportFolder = Folder(report, "--report", several, nullDeviceAllowed: false);
        string? captionsFolder = Folder(captions, "--captions", several, nullDeviceAllowed: true);
        if (several && (events == "-" || (events is not null && PipeOutput.IsStandardOutput(events))))
            throw new VideoAffectException("--events - takes one input (the records of several videos on one stream could not be told apart); give a folder");

        var plan = new List<Planned>();
        foreach (string input in inputs)
        {
            string name = Pipeline.FolderOutputs.Stem(input);
            // A URL's or a piped video's outputs default to the current folder, there being no folder beside it.
            string home = Media.MediaLocation.IsUrl(input) || input == piped ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(input))!;
            string besideInput = Path.Combine(home, name + extension);
            string video = videoFolder is not null ? Path.Combine(videoFolder, name + extension) : output ?? besideInput;
            // Records and summary default to the video's name; with no video (-o /dev/null), to the input's.
            string named = IsNullDevice(video) ? besideInput : video;
            string stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(named))!, Path.GetFileNameWithoutExtension(named));
            plan.Add(new Planned(
                input,
                video,
                eventsFolder is not null ? Path.Combine(eventsFolder, name + ".jsonl") : events ?? stem + ".jsonl",
                summaryFolder is not null ? Path.Combine(summaryFolder, name + ".summary.json") : summary ?? stem + ".summary.json",
                reportFolder is not null ? Path.Combine(reportFolder, name + ".html") : report,
                faces is null ? null : Brokers.Files.VideoFacesFolder.PathIn(faces, input),
                captionsFolder is not null ? Path.Combine(captionsFolder, name + ".vtt") : captions));
        }
        if (several) CheckApart(plan);
        return plan;
    }

    /// <summary>
    /// The extension of the annotated videos named here (NAME.annotated.EXT in a folder or beside
    /// the input): .mp4, or --video-format's, which a batch needs to write WebM. A video named by
    /// -o has its own extension; --video-format may repeat it, and is refused where it contradicts
    /// it, which would leave the user unsure which one was written.
    /// </summary>
    static string VideoExtension(string? format, string? output)
    {
        if (format is null) return ".mp4";
        string extension = Media.VideoContainer.ExtensionOf(format);
        if (output is not null && !Directory.Exists(output) && !output.EndsWith('/') && !IsNullDevice(output) && output != "-"
            && Media.VideoContainer.For(output) != Media.VideoContainer.For("x" + extension))
            throw new VideoAffectException($"-o '{output}' names its own container, not --video-format {format}'s; give one of them");
        return extension;
    }

    /// <summary>The option's value when it names an existing folder; else null, after refusing a file name given for several inputs.</summary>
    static string? Folder(string? value, string option, bool several, bool nullDeviceAllowed)
    {
        if (value is null) return null;
        if (Directory.Exists(value)) return value;
        if (value.EndsWith('/')) throw new VideoAffectException($"{option} names the folder '{value}', which does not exist; create it first");
        if (several && !(value == "-" || (nullDeviceAllowed && IsNullDevice(value))))
            throw new VideoAffectException($"with several inputs, {option} names a folder that exists (got '{value}', which is not one); each input's outputs go there under its name");
        return null;
    }

    /// <summary>
    /// Runs of one command must not write over each other's outputs nor over another's input:
    /// checked for all of them before the first starts, so a batch never stops half-way over a
    /// naming clash (each run checks and claims its own outputs again when it starts).
    /// </summary>
    public static void CheckApart(IReadOnlyList<Planned> plan)
    {
        var inputs = new Dictionary<string, string>();
        foreach (var run in plan)
            if (!inputs.TryAdd(FileFacts.Canonical(run.Input), run.Input))
                throw new VideoAffectException($"'{run.Input}' is given twice");

        var writers = new Dictionary<string, string>();
        foreach (var run in plan)
            foreach (string path in Files(run).Select(o => o.Path).Concat(run.Faces is null ? [] : [run.Faces]))
                if (writers.TryGetValue(FileFacts.Canonical(path), out string? other) && other != run.Input)
                    throw new VideoAffectException($"'{other}' and '{run.Input}' would both write '{path}'; analyse them into different folders");
                else writers[FileFacts.Canonical(path)] = run.Input;

        // An output that is another run's input (analyze a.mp4 a.annotated.mp4): the rules of one run, over all the inputs;
        // and a faces folder that may not be replaced (one VideoAffect did not make) refuses the batch before its first run.
        foreach (var run in plan)
        {
            using var rules = new OutputSet(plan.Select(p => p.Input));
            try
            {
                foreach (var (path, what) in Files(run)) rules.Add(path, what);
                if (run.Faces is not null) Brokers.Files.VideoFacesFolder.Check(run.Faces, plan.Select(p => p.Input), Files(run).Select(f => f.Path));
            }
            catch (VideoAffectException e) { throw new VideoAffectException($"{run.Input}: {e.Message}"); }
        }
    }

    /// <summary>The outputs of a run that are files (not standard output, not discarded), with what each is.</summary>
    static IEnumerable<(string Path, string What)> Files(Planned run) =>
        new[] { (run.Video, "output video"), (run.Events, "events file"), (run.Summary, "summary file"), (run.Report!, "report"), (run.Captions!, "captions file") }
            .Where(o => o.Item1 is not null && o.Item1 != "-" && !IsNullDevice(o.Item1));

    static bool IsNullDevice(string path) => path == "/dev/null" || FileFacts.Of(path) == FileFacts.Of("/dev/null");
}
