using System.Text.Json;
using VideoAffect.Media;

namespace VideoAffect.Records;

/// <summary>
/// One JSON object per face per frame, one per line. Lines are written whole and flushed per frame,
/// so a run that stops for any reason leaves only complete lines behind.
/// </summary>
public sealed class JsonlRecordWriter : IRecordWriter
{
    readonly FileStream _file;
    readonly MemoryStream _line = new();
    readonly Utf8JsonWriter _json;

    public JsonlRecordWriter(string path)
    {
        _file = OutputFiles.Create(path);
        _json = new Utf8JsonWriter(_line);
    }

    public long Records { get; private set; }

    public void Write(VideoFrame frame)
    {
        _line.SetLength(0);
        for (int i = 0; i < frame.Faces.Count; i++)
        {
            var face = frame.Faces[i];
            if (face.Prediction is null) continue;
            _json.Reset(_line);
            _json.WriteStartObject();
            _json.WriteNumber("frame", frame.Index);
            _json.WriteNumber("time", Math.Round(frame.Timestamp, 6));
            if (frame.CapturedUtc is { } utc) _json.WriteString("utc", utc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            _json.WriteNumber("face", i);
            if (face.TrackId > 0)
            {
                _json.WriteNumber("track", face.TrackId);
                _json.WriteBoolean("detected", face.Detected);
                _json.WriteBoolean("classified", face.Classified);
                if (face.Tentative) _json.WriteBoolean("tentative", true);
            }
            FaceJson.WriteFields(_json, face.Box, face.Prediction);
            if (face.Smoothed is { } smoothed)
            {
                _json.WriteString("smoothed_label", smoothed.Label);
                FaceJson.WriteProbabilities(_json, "smoothed_probabilities", smoothed);
            }
            _json.WriteEndObject();
            _json.Flush();
            _line.WriteByte((byte)'\n');
            Records++;
        }
        if (_line.Length == 0) return;
        OutputFiles.Append(_file, _line.GetBuffer().AsSpan(0, (int)_line.Length));
    }

    public void Dispose()
    {
        _json.Dispose();
        OutputFiles.Close(_file);
    }
}
