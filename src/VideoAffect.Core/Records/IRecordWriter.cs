namespace VideoAffect.Records;

/// <summary>Writes the classified faces of each frame; whole records only, flushed per frame.</summary>
public interface IRecordWriter : IDisposable
{
    /// <summary>Face records written so far.</summary>
    long Records { get; }
    /// <summary>Writes one frame's faces, whole and flushed.</summary>
    void Write(FrameRecord frame);
}

internal static class RecordWriters
{
    /// <summary>
    /// A monitor's records file, CSV for a .csv path, JSON lines otherwise: a log that a restarted
    /// monitor adds to (before 0.16 a restart emptied it at once), each record with its capture time.
    /// </summary>
    /// <remarks>A file renamed away under it (logrotate's default rotation) is followed by a new one at the path.</remarks>
    /// <param name="landmarks">The detector's landmark names, for CSV columns (JSON lines name them in each record).</param>
    public static IRecordWriter Log(string path, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks = null) =>
        new RotationFollowingWriter(path, p => Path.GetExtension(p).Equals(".csv", StringComparison.OrdinalIgnoreCase)
            ? CsvRecordWriter.Appending(p, labels, landmarks)
            : JsonlRecordWriter.Appending(p));

    /// <summary>
    /// The names a records file may have: JSON lines (the default, so also a name without an
    /// extension) or CSV. A name that says another format (`faces.parquet`, `faces.xlsx`,
    /// `faces.tsv`) is refused rather than given JSON lines under it, which the tool it was meant
    /// for could not read.
    /// </summary>
    public static readonly IReadOnlyList<string> JsonLinesExtensions = ["", ".jsonl", ".ndjson", ".json", ".txt", ".log"];

    /// <summary>One clear line for a records file named for a format we do not write.</summary>
    public static void CheckName(string path, string option)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension != ".csv" && !JsonLinesExtensions.Contains(extension))
            throw new VideoAffectException($"{option} '{path}': unknown records format '{extension}'; use .jsonl (JSON lines) or .csv");
    }

    /// <summary>Writes an output's partial file (its format chosen by the final name), JSON lines to standard output or into a pipe, or nothing for a discarded output.</summary>
    /// <param name="captureTimes">whether the frames have wall-clock times (a recording's `--recorded-at`): a CSV gets the `utc` column (JSON lines have it wherever a frame has one)</param>
    public static IRecordWriter Create(Outputs.OutputTarget target, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks = null, bool captureTimes = false) =>
        target.Discarded ? new DiscardingRecordWriter()
        : target.Streamed ? new JsonlRecordWriter(Streamed(target))
        : Path.GetExtension(target.Final).Equals(".csv", StringComparison.OrdinalIgnoreCase)
            ? CsvRecordWriter.Creating(target.Partial, labels, landmarks, captureTimes)
            : new JsonlRecordWriter(target.Partial);

    /// <summary>Standard output, or the pipe or terminal a <see cref="Outputs.OutputTarget.Streamed"/> target names, open for writing.</summary>
    public static Stream Streamed(Outputs.OutputTarget target) =>
        target.StandardOutput ? Outputs.StandardOutput.Open() : Outputs.PipeOutput.Open(target);

    /// <summary>Every frame to both writers (the records and the captions); counts as <paramref name="first"/> does.</summary>
    public static IRecordWriter Both(IRecordWriter first, IRecordWriter second) => new BothWriters(first, second);

    sealed class BothWriters(IRecordWriter first, IRecordWriter second) : IRecordWriter
    {
        public long Records => first.Records;

        public void Write(FrameRecord frame)
        {
            first.Write(frame);
            second.Write(frame);
        }

        public void Dispose()
        {
            try { first.Dispose(); }
            finally { second.Dispose(); }
        }
    }

    /// <summary>Counts records and keeps none (`--events /dev/null`).</summary>
    sealed class DiscardingRecordWriter : IRecordWriter
    {
        public long Records { get; private set; }
        public void Write(FrameRecord frame) => Records += frame.Faces.Count;
        public void Dispose() { }
    }
}
