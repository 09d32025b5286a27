using System.Diagnostics;

namespace VideoAffect.Records;

/// <summary>
/// A monitor's records log that follows logrotate's default rotation (and a plain `mv`): the file
/// is renamed away under the running monitor (cam.jsonl -> cam.jsonl.1), and without this the
/// monitor would go on writing into the renamed file forever while cam.jsonl stayed missing or
/// empty. At most once a second, before a write, it asks the kernel which path the open file has
/// now (/proc/self/fd); when that is no longer the one it opened (renamed, or deleted), it closes
/// it and opens the path again, a new file (a CSV with its header). `copytruncate` rotation keeps
/// the same file and needs none of this (see <see cref="OutputFiles.Append"/>).
/// </summary>
internal sealed class RotationFollowingWriter : IRecordWriter
{
    readonly string _path;
    readonly Func<string, (IRecordWriter Writer, FileStream File)> _open;
    IRecordWriter? _writer;
    FileStream? _file;
    string? _openedAs;
    long _earlierRecords, _checkedAt;

    /// <param name="path">The records file.</param>
    /// <param name="open">Opens the file to add to: its writer and the file under it.</param>
    public RotationFollowingWriter(string path, Func<string, (IRecordWriter Writer, FileStream File)> open)
    {
        _path = path;
        _open = open;
        Open();
    }

    /// <summary>How often the path is checked: a second's records at most go to the renamed file (logrotate's own rotation takes no less).</summary>
    static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    public long Records => _earlierRecords + (_writer?.Records ?? 0);

    public void Write(FrameRecord frame)
    {
        if (_writer is null) Open(); // opening again failed last time (a full disk): tried at every frame, as writes are
        else if (Stopwatch.GetElapsedTime(_checkedAt) >= CheckInterval)
        {
            _checkedAt = Stopwatch.GetTimestamp();
            if (CurrentPath(_file!) != _openedAs)
            {
                Close();
                Open();
            }
        }
        _writer!.Write(frame);
    }

    void Open()
    {
        var (writer, file) = _open(_path); // throws the one-line error; the caller counts the frame's records as lost
        (_writer, _file) = (writer, file);
        _openedAs = CurrentPath(file);
        _checkedAt = Stopwatch.GetTimestamp();
    }

    void Close()
    {
        _earlierRecords += _writer!.Records;
        _writer.Dispose();
        (_writer, _file) = (null, null);
    }

    /// <summary>The path the kernel has for an open file now ("/x/cam.jsonl.1" once renamed, "... (deleted)" once removed); null where /proc is not there to ask.</summary>
    static string? CurrentPath(FileStream file)
    {
        try { return File.ResolveLinkTarget($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose()
    {
        if (_writer is not null) Close();
    }
}
