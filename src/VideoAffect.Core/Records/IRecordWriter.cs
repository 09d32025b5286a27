using VideoAffect.Media;

namespace VideoAffect.Records;

/// <summary>Writes the classified faces of each frame; whole records only, flushed per frame.</summary>
public interface IRecordWriter : IDisposable
{
    long Records { get; }
    void Write(VideoFrame frame);
}

public static class RecordWriters
{
    /// <summary>CSV for a .csv path, JSON lines otherwise.</summary>
    public static IRecordWriter Create(string path, IReadOnlyList<string> labels) =>
        Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase)
            ? new CsvRecordWriter(path, labels)
            : new JsonlRecordWriter(path);
}
