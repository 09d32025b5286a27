using System.Globalization;
using System.Text.Json;

namespace VideoAffect.Records;

/// <summary>
/// The JSON of one face record, the same bytes wherever it goes: a line of the JSONL file, an MQTT
/// records message, a Redis stream entry. One writer, so the three can be compared line for line.
/// </summary>
internal static class RecordJson
{
    public static void Write(Utf8JsonWriter json, FrameRecord frame, FaceRecord face, bool withStream = false)
    {
        json.WriteStartObject();
        if (withStream) json.WriteString("stream", frame.Stream);
        json.WriteNumber("frame", frame.Frame);
        json.WriteNumber("time", Math.Round(frame.Time, 6));
        if (frame.Utc is { } utc) json.WriteString("utc", utc.ToString("O", CultureInfo.InvariantCulture));
        json.WriteNumber("face", face.Index);
        if (face.Track > 0)
        {
            json.WriteNumber("track", face.Track);
            json.WriteBoolean("detected", face.Detected);
            json.WriteBoolean("classified", face.Classified);
            if (face.Tentative) json.WriteBoolean("tentative", true);
        }
        FaceJson.WriteFields(json, face.Box, face.Prediction);
        if (face.Landmarks is { Count: > 0 } landmarks) WriteLandmarks(json, landmarks);
        if (face.Smoothed is { } smoothed)
        {
            json.WriteString("smoothed_label", smoothed.Label);
            FaceJson.WriteProbabilities(json, "smoothed_probabilities", smoothed);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// "landmarks": {"right_eye": [x, y], ...} in frame pixels, named in BlazeFace's order (the
    /// subject's right eye is on the image's left); a detector with other points numbers them.
    /// </summary>
    static void WriteLandmarks(Utf8JsonWriter json, IReadOnlyList<Detection.Landmark> landmarks)
    {
        var names = Detection.DetectedFace.BlazeFaceLandmarkNames;
        json.WriteStartObject("landmarks");
        for (int i = 0; i < landmarks.Count; i++)
        {
            json.WriteStartArray(landmarks.Count == names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture));
            json.WriteNumberValue(Math.Round(landmarks[i].X, 1));
            json.WriteNumberValue(Math.Round(landmarks[i].Y, 1));
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>One record as UTF-8 bytes (sinks that send each record on its own).</summary>
    public static byte[] ToUtf8(FrameRecord frame, FaceRecord face, bool withStream = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer)) Write(json, frame, face, withStream);
        return buffer.WrittenSpan.ToArray();
    }
}
