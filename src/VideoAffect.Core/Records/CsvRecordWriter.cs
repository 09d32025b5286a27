using System.Globalization;
using System.Text;

namespace VideoAffect.Records;

/// <summary>
/// One row per face per frame, columns pandas reads as they are:
/// time, frame, track, detected, x, y, w, h, label, confidence, p_LABEL..., smoothed_label,
/// tentative, and with a landmark detector NAME_x, NAME_y per landmark (empty on frames the
/// detector skipped). Rows are written whole and flushed per frame.
/// </summary>
public sealed class CsvRecordWriter : IRecordWriter
{
    readonly FileStream _file;
    readonly StringBuilder _rows = new();
    readonly int _landmarks;

    /// <summary>A CSV file with a header of the box, track, every label's probability and <paramref name="landmarks"/>' coordinates.</summary>
    /// <param name="path">The file to write (replaced).</param>
    /// <param name="labels">The model's labels: one probability column each.</param>
    /// <param name="landmarks">The detector's landmark names (BlazeFace's six), or null for a detector without them.</param>
    public CsvRecordWriter(string path, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks = null)
        : this(OutputFiles.Create(path), labels, landmarks, captureTimes: false) { }

    /// <summary>A new CSV file (replaced), with the `utc` column when the frames have wall-clock times.</summary>
    internal static CsvRecordWriter Creating(string path, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks, bool captureTimes) =>
        new(OutputFiles.Create(path), labels, landmarks, captureTimes);

    /// <summary>
    /// A monitor's records file: each row with its frame's capture time (`utc`, after `time`), added
    /// to across restarts. A file whose header is not this run's (another model, detector or
    /// version wrote it) is refused rather than given rows that do not fit its columns.
    /// </summary>
    internal static (IRecordWriter Writer, FileStream File) Appending(string path, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks)
    {
        var file = OutputFiles.OpenToAppend(path);
        try { return (new CsvRecordWriter(file, labels, landmarks, captureTimes: true, headerMayWait: true), file); }
        catch { file.Dispose(); throw; }
    }

    /// <param name="headerMayWait">
    /// A new file's header that cannot be written now (a monitor started on a full disk) goes with
    /// the first rows that can, so that the monitor starts and watches, losing records as it does
    /// when the disk fills later, rather than failing to start (and, as a service, being restarted
    /// into the same full disk). A file that cannot be opened at all is still an error at once.
    /// </param>
    CsvRecordWriter(FileStream file, IReadOnlyList<string> labels, IReadOnlyList<string>? landmarks, bool captureTimes, bool headerMayWait = false)
    {
        _file = file;
        _landmarks = landmarks?.Count ?? 0;
        _captureTimes = captureTimes;
        var header = $"time,{(captureTimes ? "utc," : "")}frame,track,detected,x,y,w,h,label,confidence," + string.Join(",", labels.Select(l => "p_" + l)) + ",smoothed_label,tentative"
            + string.Concat((landmarks ?? []).Select(n => $",{n}_x,{n}_y"));
        switch (OutputFiles.FirstLine(file))
        {
            case null:
                try { OutputFiles.Append(_file, Encoding.UTF8.GetBytes(header + "\n")); }
                catch (VideoAffectException) when (headerMayWait) { _pendingHeader = header + "\n"; }
                break;
            case var existing when existing == header: break;
            case var _:
                throw new VideoAffectException($"records file '{file.Name}' has other columns than this run writes (another model, detector or version wrote it); move it away or give --records another folder");
        }
    }

    readonly bool _captureTimes;
    /// <summary>The header still to write before the first rows (see the constructor's headerMayWait); null once written.</summary>
    string? _pendingHeader;

    /// <inheritdoc/>
    public long Records { get; private set; }

    /// <inheritdoc/>
    public void Write(FrameRecord frame)
    {
        _rows.Clear();
        var c = CultureInfo.InvariantCulture;
        foreach (var face in frame.Faces)
        {
            var (p, b) = (face.Prediction, face.Box);
            _rows.Append(c, $"{frame.Time:0.######},");
            if (_captureTimes) _rows.Append(frame.Utc is { } utc ? utc.ToString("O", c) : "").Append(',');
            _rows.Append(c, $"{frame.Frame},{(face.Track > 0 ? face.Track.ToString(c) : "")},{(face.Detected ? 1 : 0)},{b.X},{b.Y},{b.Width},{b.Height},{p.Label},{p.Confidence:0.######}");
            foreach (var v in p.Probabilities) _rows.Append(c, $",{v:0.######}");
            _rows.Append(',').Append(face.Smoothed?.Label ?? "").Append(face.Tentative ? ",1" : ",0");
            for (int i = 0; i < _landmarks; i++)
                if (face.Landmarks is { } points && i < points.Count) _rows.Append(c, $",{points[i].X:0.#},{points[i].Y:0.#}");
                else _rows.Append(",,");
            _rows.Append('\n');
            Records++;
        }
        if (_rows.Length == 0) return;
        if (_pendingHeader is not null) _rows.Insert(0, _pendingHeader);
        OutputFiles.Append(_file, Encoding.UTF8.GetBytes(_rows.ToString())); // a failure leaves the header pending
        _pendingHeader = null;
    }

    /// <inheritdoc/>
    public void Dispose() => OutputFiles.Close(_file);
}
