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
    {
        _file = OutputFiles.Create(path);
        _landmarks = landmarks?.Count ?? 0;
        var header = "time,frame,track,detected,x,y,w,h,label,confidence," + string.Join(",", labels.Select(l => "p_" + l)) + ",smoothed_label,tentative"
            + string.Concat((landmarks ?? []).Select(n => $",{n}_x,{n}_y")) + "\n";
        OutputFiles.Append(_file, Encoding.UTF8.GetBytes(header));
    }

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
            _rows.Append(c, $"{frame.Time:0.######},{frame.Frame},{(face.Track > 0 ? face.Track.ToString(c) : "")},{(face.Detected ? 1 : 0)},{b.X},{b.Y},{b.Width},{b.Height},{p.Label},{p.Confidence:0.######}");
            foreach (var v in p.Probabilities) _rows.Append(c, $",{v:0.######}");
            _rows.Append(',').Append(face.Smoothed?.Label ?? "").Append(face.Tentative ? ",1" : ",0");
            for (int i = 0; i < _landmarks; i++)
                if (face.Landmarks is { } points && i < points.Count) _rows.Append(c, $",{points[i].X:0.#},{points[i].Y:0.#}");
                else _rows.Append(",,");
            _rows.Append('\n');
            Records++;
        }
        if (_rows.Length == 0) return;
        OutputFiles.Append(_file, Encoding.UTF8.GetBytes(_rows.ToString()));
    }

    /// <inheritdoc/>
    public void Dispose() => OutputFiles.Close(_file);
}
