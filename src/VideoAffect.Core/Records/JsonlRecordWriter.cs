using System.Text.Json;

namespace VideoAffect.Records;

/// <summary>
/// One JSON object per face per frame, one per line. Lines are written whole and flushed per frame,
/// so a run that stops for any reason leaves only complete lines behind.
/// </summary>
public sealed class JsonlRecordWriter : IRecordWriter
{
    readonly Stream _file;
    readonly MemoryStream _line = new();
    readonly Utf8JsonWriter _json;

    /// <summary>A JSON Lines file: one object per face per frame, as <c>analyze</c> writes.</summary>
    public JsonlRecordWriter(string path) : this(OutputFiles.Create(path)) { }

    /// <summary>A monitor's records file, added to across restarts (<see cref="OutputFiles.OpenToAppend"/>).</summary>
    internal static (IRecordWriter Writer, FileStream File) Appending(string path)
    {
        var file = OutputFiles.OpenToAppend(path);
        return (new JsonlRecordWriter(file), file);
    }

    readonly bool _withStream;

    /// <summary>Lines to a stream of the caller's (standard output for `--events -`), closed with the writer.</summary>
    /// <param name="withStream">each record names its stream: the lines of several streams on one (monitor --records -)</param>
    internal JsonlRecordWriter(Stream stream, bool withStream = false)
    {
        _file = stream;
        _json = new Utf8JsonWriter(_line);
        _withStream = withStream;
    }

    /// <inheritdoc/>
    public long Records { get; private set; }

    /// <inheritdoc/>
    public void Write(FrameRecord frame)
    {
        _line.SetLength(0);
        foreach (var face in frame.Faces)
        {
            _json.Reset(_line);
            RecordJson.Write(_json, frame, face, _withStream);
            _json.Flush();
            _line.WriteByte((byte)'\n');
            Records++;
        }
        if (_line.Length == 0) return;
        OutputFiles.Append(_file, _line.GetBuffer().AsSpan(0, (int)_line.Length));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _json.Dispose();
        OutputFiles.Close(_file);
    }
}
