using System.Globalization;
using VideoAffect.Brokers.Mqtt;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Files;

/// <summary>One ended track's files: its face and what the end event says of it.</summary>
public readonly record struct FaceFile(string JpegPath, byte[] Jpeg, byte[] Json);

/// <summary>How a faces folder is laid out.</summary>
public enum FaceFolderLayout
{
    /// <summary>`monitor --faces`: STREAM/YYYY-MM-DD/HHMMSS+ZZZZ_TRACK_LABEL.jpg, by the track's start in this machine's time.</summary>
    StreamAndDay,
    /// <summary>`analyze --faces`: one folder per video, HHMMSS.mmm_TRACK_LABEL.jpg by the track's start in the video.</summary>
    VideoTime,
}

/// <summary>
/// <c>--faces DIR</c>: each ended track's face (its most confident one) as
/// DIR/STREAM/YYYY-MM-DD/HHMMSS+ZZZZ_TRACK_LABEL.jpg, the track's start in this machine's time, with
/// the end event's description of the track beside it (.json: label, shares, times, frames), so a
/// camera's day can be looked through as faces, or searched with jq. Files are written on the sink's
/// own task, each under a temporary name and then renamed, so a reader never sees half a picture;
/// an existing file is never replaced (a track of a later run that starts in the same second gets
/// "-2" added). A full disk drops faces, counted and logged once, as a broker that is down drops
/// messages; the frames never wait. For <c>analyze --faces</c> (<see cref="FaceFolderLayout.VideoTime"/>)
/// the same files go flat into one video's folder, named by the track's start in the video.
/// </summary>
/// <param name="folder">DIR</param>
/// <param name="keep">faces older than this (by the track's start) are deleted, at the start and then
/// hourly, with the day folders they leave empty; only names this sink writes, never another file; null keeps all</param>
public sealed class FaceFolderSink : OutboxSink<FaceFile>
{
    /// <summary>
    /// Every name this sink may leave in a <see cref="FaceFolderLayout.VideoTime"/> folder: faces and
    /// descriptions, their partial names while written, and its write probe.
    /// </summary>
    public static readonly System.Text.RegularExpressions.Regex VideoTimeNames = new(
        @"^(\.?\d{6,}\.\d{3}_\d+_[A-Za-z0-9_-]+?(-\d+)?\.(jpg|json)(\.partial)?|\.videoaffect-write-test-\d+)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The recognition option that leaves a run no face to keep: <c>--anonymize</c> hides them, and
    /// <c>--no-tracking</c> makes no tracks to end (before 0.22 `--faces` with it wrote nothing and
    /// said nothing); null when the run keeps faces.
    /// </summary>
    public static string? OptionKeepingNoFaces(RecognitionOptions recognition) =>
        recognition.Anonymize != Anonymization.None ? "--anonymize" : !recognition.Tracking ? "--no-tracking" : null;

    /// <summary>Refuses <c>--faces</c> beside an option that leaves it nothing to keep, in one line that says which.</summary>
    public static void CheckKeepsFaces(RecognitionOptions recognition)
    {
        switch (OptionKeepingNoFaces(recognition))
        {
            case "--anonymize": throw new VideoAffectException("--faces keeps the faces that --anonymize hides; give one or the other");
            case { } option: throw new VideoAffectException($"--faces keeps each track's face, and {option} makes no tracks; give one or the other");
        }
    }

    /// <summary>What this sink names its files in a day folder: HHMMSS+ZZZZ_TRACK_LABEL[-N].jpg or .json.</summary>
    static readonly System.Text.RegularExpressions.Regex Ours = new(@"^(\d{6}[+-]\d{4})_\d+_[A-Za-z0-9_-]+?(-\d+)?\.(jpg|json)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);
    readonly string _folder;
    readonly TimeSpan? _keep;
    readonly FaceFolderLayout _layout;
    DateTime _nextSweep = DateTime.MinValue;
    TrackLifecycle? _tracks;

    /// <param name="layout">how the folder is laid out; <see cref="FaceFolderLayout.VideoTime"/> keeps every face (no <paramref name="keep"/>)</param>
    /// <param name="shownAs">the folder to name in messages and summaries, where the sink writes into another for now (analyze's partial folder)</param>
    public FaceFolderSink(string folder, TimeSpan? keep = null, FaceFolderLayout layout = FaceFolderLayout.StreamAndDay, string? shownAs = null)
        : base(new Uri(Path.GetFullPath(shownAs ?? folder)).AbsoluteUri, capacity: 1_000)
    {
        if (keep is { } k && k <= TimeSpan.Zero) throw new VideoAffectException("--faces-keep must be positive (leave it out to keep every face)");
        if (keep is not null && layout != FaceFolderLayout.StreamAndDay) throw new ArgumentException("only a monitor's faces folder is swept", nameof(keep));
        Outputs.OutputFolder.Prepare(folder, "faces folder");
        _folder = folder;
        _keep = keep;
        _layout = layout;
        Sweep(DateTimeOffset.UtcNow);
    }

    /// <summary>Deletes the faces older than the keep time (by the time in their folder and name); returns how many files went.</summary>
    internal int Sweep(DateTimeOffset now)
    {
        _nextSweep = DateTime.UtcNow + SweepEvery;
        if (_keep is not { } keep) return 0;
        int deleted = 0;
        foreach (var day in Directory.EnumerateDirectories(_folder).SelectMany(Directory.EnumerateDirectories).ToList())
        {
            string date = Path.GetFileName(day);
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) continue; // not a day folder of ours
            foreach (var file in Directory.EnumerateFiles(day).ToList())
            {
                var match = Ours.Match(Path.GetFileName(file));
                if (!match.Success) continue;
                string time = match.Groups[1].Value; // HHMMSS+ZZZZ, read as HHMMSS+ZZ:ZZ
                if (!DateTimeOffset.TryParseExact($"{date} {time[..^2]}:{time[^2..]}", "yyyy-MM-dd HHmmsszzz",
                        CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) || now - start <= keep) continue;
                try { File.Delete(file); deleted++; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Counters.AddError(e.Message); }
            }
            try { if (!Directory.EnumerateFileSystemEntries(day).Any()) Directory.Delete(day); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return deleted;
    }

    protected override string OutageLine(string reason) => $"cannot write faces ({reason}); they are dropped (counted) until one can be written, the run goes on";
    protected override string UnreachableLine(string reason) => OutageLine(reason);
    protected override string RecoveryLine => "writing faces again";

    /// <summary>
    /// Nothing to open: a byte written and removed, so that after a failure (a full disk, the folder
    /// taken away: it is made again) faces are sent again only once one can be written.
    /// </summary>
    protected override Task ConnectAsync(CancellationToken token)
    {
        Directory.CreateDirectory(_folder);
        string probe = Path.Combine(_folder, $".videoaffect-write-test-{Environment.ProcessId}");
        try { File.WriteAllBytes(probe, [0]); }
        finally { File.Delete(probe); }
        return Task.CompletedTask;
    }

    protected override Task SendAsync(IReadOnlyList<FaceFile> batch, CancellationToken token)
    {
        if (DateTime.UtcNow >= _nextSweep) Sweep(DateTimeOffset.UtcNow); // on the sink's own task: the frames never wait for it
        foreach (var file in batch)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.JpegPath)!);
            string jpeg = Unused(file.JpegPath);
            string json = Path.ChangeExtension(jpeg, ".json");
            WriteNew(json, file.Json);
            // The picture last: once it is there, so is its description; without it, no description either.
            try { WriteNew(jpeg, file.Jpeg); }
            catch { File.Delete(json); throw; }
        }
        return Task.CompletedTask;
    }

    protected override IEnumerable<FaceFile> Translate(FrameRecord record)
    {
        _tracks ??= new TrackLifecycle(Run.TrackEndFrames, Run.TrackFace);
        return _tracks.Observe(record).SelectMany(Files);
    }

    protected override IEnumerable<FaceFile> OnFinish(RunOutcome outcome) => (_tracks?.EndAll() ?? []).SelectMany(Files);

    /// <summary>An ended track's files; none for other events, or a track without a face (anonymizing).</summary>
    IEnumerable<FaceFile> Files(TrackEvent e)
    {
        if (e.Type != "end" || e.Face is not { } face) yield break;
        var track = e.After;
        // A model's own labels (an ONNX model's) may hold what a file name cannot.
        string label = new(track.Label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' ? c : '_').ToArray());
        if (_layout == FaceFolderLayout.VideoTime)
        {
            yield return new FaceFile(Path.Combine(_folder, $"{VideoTime(track.StartTime)}_{track.Track}_{label}.jpg"), face, MqttPayloads.Track(track));
            yield break;
        }
        var start = (track.StartUtc is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : DateTimeOffset.UtcNow).ToLocalTime();
        string day = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string name = $"{start.ToString("HHmmsszzz", CultureInfo.InvariantCulture).Replace(":", "")}_{track.Track}_{label}.jpg";
        yield return new FaceFile(Path.Combine(_folder, track.Stream, day, name), face, MqttPayloads.Track(track));
    }

    /// <summary>A position in a video as HHMMSS.mmm (hours past 99 take more digits), so that names sort by time.</summary>
    internal static string VideoTime(double seconds)
    {
        long milliseconds = (long)Math.Round(Math.Max(0, seconds) * 1000);
        long s = milliseconds / 1000;
        return string.Create(CultureInfo.InvariantCulture, $"{s / 3600:00}{s / 60 % 60:00}{s % 60:00}.{milliseconds % 1000:000}");
    }

    /// <summary>The path, or the first of PATH-2, PATH-3, ... that no file holds yet.</summary>
    static string Unused(string path)
    {
        string stem = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path));
        for (int n = 2; File.Exists(path) || File.Exists(Path.ChangeExtension(path, ".json")); n++) path = $"{stem}-{n}.jpg";
        return path;
    }

    /// <summary>Written whole under a temporary name, then moved into place; an existing file is left alone.</summary>
    static void WriteNew(string path, byte[] bytes)
    {
        string partial = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.partial");
        try
        {
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, path, overwrite: false);
        }
        finally { File.Delete(partial); }
    }
}
