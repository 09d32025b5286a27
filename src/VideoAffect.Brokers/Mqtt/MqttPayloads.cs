using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Mqtt;

/// <summary>
/// The JSON of the MQTT topics, in Frigate's shapes where Frigate has one (an event is
/// <c>{"type", "before", "after"}</c>), snake_case throughout. Documented in the README.
/// </summary>
internal static class MqttPayloads
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new BoxAsRecords() },
    };

    /// <summary>A box as the records write it: {"x", "y", "w", "h"}.</summary>
    sealed class BoxAsRecords : JsonConverter<FaceBox>
    {
        public override FaceBox Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter json, FaceBox box, JsonSerializerOptions options)
        {
            json.WriteStartObject();
            json.WriteNumber("x", box.X);
            json.WriteNumber("y", box.Y);
            json.WriteNumber("w", box.Width);
            json.WriteNumber("h", box.Height);
            json.WriteEndObject();
        }
    }

    /// <summary>
    /// A track's event, Frigate's <c>{"type", "before", "after"}</c>: the body of MQTT's
    /// PREFIX/events and of a webhook's POST alike. <paramref name="withFace"/> adds the track's face
    /// where the event has one, <c>"face_jpeg"</c>, a JPEG in base64 (a webhook's receiver has no
    /// other way to it; MQTT sends it raw on a topic of its own).
    /// </summary>
    public static byte[] Event(TrackEvent e, bool withFace = false) =>
        JsonSerializer.SerializeToUtf8Bytes(new { e.Type, e.Before, e.After, FaceJpeg = withFace ? e.Face : null }, Json);

    /// <summary>A track as an event's <c>after</c> describes it (what <c>--faces</c> writes beside a face).</summary>
    public static byte[] Track(TrackSnapshot track) => JsonSerializer.SerializeToUtf8Bytes(track, Json);

    public static byte[] Status(string stream, string state, bool up, double fps, long framesProcessed, long faces, StreamReport report) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            Stream = stream,
            State = state,
            Up = up,
            Fps = Math.Round(fps, 2),
            FramesRead = report.FramesRead,
            FramesProcessed = framesProcessed,
            Faces = faces,
            Dropped = report.Dropped,
            Reconnects = report.Reconnects,
            LastError = report.LastError,
            Time = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        }, Json);
}
