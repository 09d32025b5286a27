using System.Globalization;
using VideoAffect.Brokers.Mqtt;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Files;

/// <summary>One ended track's files: its face and what the end event says of it.</summary>
public readonly record struct FaceFile(string JpegPath, byte[] Jpeg, byte[] Json);

/// <summary>
/// <c>--faces DIR</c>: each ended track's face (its most confident one) as
/// DIR/STREAM/YYYY-MM-DD/HHMMSS+ZZZZ_TRACK_LABEL.jpg, the track's start in this machine's time, with
/// the end event's description of the track beside it (.json: label, shares, times, frames), so a
/// camera's day can be looked through as faces, or searched with jq. Files are written on the sink's
/// own task, each under a temporary name and then renamed, so a reader never sees half a picture;
/// an existing file is never replaced (a track of a later run that starts in the same second gets
/// "-2" added). A full disk drops faces, counted and logged once, as a broker that is down drops
/// messages; the frames never wait.
/// </summary>
public sealed class FaceFolderSink : OutboxSink<FaceFile>
{
    readonly string _folder;
    TrackLifecycle? _tracks;

    public FaceFolderSink(string folder) : base(new Uri(Path.GetFullPath(folder)).AbsoluteUri, capacity: 1_000)
    {
        Outputs.OutputFolder.Prepare(folder, "faces folder");
        _folder = folder;
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
        var start = (track.StartUtc is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : DateTimeOffset.UtcNow).ToLocalTime();
        string day = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string name = $"{start.ToString("HHmmsszzz", CultureInfo.InvariantCulture).Replace(":", "")}_{track.Track}_{track.Label}.jpg";
        yield return new FaceFile(Path.Combine(_folder, track.Stream, day, name), face, MqttPayloads.Track(track));
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
