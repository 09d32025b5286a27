using System.Globalization;
using System.Text;

namespace VideoAffect.Records;

/// <summary>
/// One row per face per frame, columns pandas reads as they are:
/// time, frame, track, detected, x, y, w, h, label, confidence, p_LABEL..., smoothed_label.
/// Rows are written whole and flushed per frame.
/// </summary>
public sealed class CsvRecordWriter : IRecordWriter
{
    readonly FileStream _file;
    readonly StringBuilder _rows = new();

    public CsvRecordWriter(string path, IReadOnlyList<string> labels)
    {
        _file = OutputFiles.Create(path);
        var header = "time,frame,track,detected,x,y,w,h,label,confidence," + string.Join(",", labels.Select(l => "p_" + l)) + ",smoothed_label,tentative\n";
        OutputFiles.Append(_file, Encoding.UTF8.GetBytes(header));
    }

    public long Records { get; private set; }

    public void Write(FrameRecord frame)
    {
        _rows.Clear();
        var c = CultureInfo.InvariantCulture;
        foreach (var face in frame.Faces)
        {
            var (p, b) = (face.Prediction, face.Box);
            _rows.Append(c, $"{frame.Time:0.######},{frame.Frame},{(face.Track > 0 ? face.Track.ToString(c) : "")},{(face.Detected ? 1 : 0)},{b.X},{b.Y},{b.Width},{b.Height},{p.Label},{p.Confidence:0.######}");
            foreach (var v in p.Probabilities) _rows.Append(c, $",{v:0.######}");
            _rows.Append(',').Append(face.Smoothed?.Label ?? "").Append(face.Tentative ? ",1\n" : ",0\n");
            Records++;
        }
        if (_rows.Length == 0) return;
        OutputFiles.Append(_file, Encoding.UTF8.GetBytes(_rows.ToString()));
    }

    public void Dispose() => OutputFiles.Close(_file);
}
