namespace VideoAffect.Brokers.Mqtt;

/// <summary>The topics under a prefix (Frigate's layout): PREFIX/available, PREFIX/events, PREFIX/STREAM/status, PREFIX/STREAM/face, PREFIX/STREAM/records.</summary>
sealed class MqttTopics(string prefix)
{
    public string Available { get; } = $"{prefix}/available";
    public string Events { get; } = $"{prefix}/events";
    public string Status(string stream) => $"{prefix}/{Level(stream)}/status";
    public string Records(string stream) => $"{prefix}/{Level(stream)}/records";
    public string Face(string stream) => $"{prefix}/{Level(stream)}/face";

    /// <summary>A stream name as one topic level: no separator, no wildcard, no control character.</summary>
    public static string Level(string name)
    {
        var chars = name.Select(c => c is '/' or '+' or '#' || char.IsControl(c) ? '_' : c).ToArray();
        return chars.Length == 0 ? "_" : new string(chars);
    }
}
