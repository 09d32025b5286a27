using System.Text.Json;
using StackExchange.Redis;

namespace VideoAffect.Tests.Brokers;

/// <summary>Reading back what a run published, for comparing it with the run's own records file.</summary>
static class BrokerRecords
{
    /// <summary>Every entry of a Redis stream, oldest first, as (stream field, record JSON).</summary>
    public static async Task<IReadOnlyList<(string Stream, string Record)>> ReadRedisAsync(int port, string key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
        var entries = await redis.GetDatabase().StreamRangeAsync(key);
        return entries.Select(e => ((string)e["stream"]!, (string)e["record"]!)).ToList();
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    /// <summary>The records of a JSONL file, by track.</summary>
    public static ILookup<int, JsonElement> ByTrack(IEnumerable<string> lines) =>
        lines.Select(Json).Where(r => r.TryGetProperty("track", out _)).ToLookup(r => r.GetProperty("track").GetInt32());

    /// <summary>The one sink of a run summary whose name starts with the scheme.</summary>
    public static JsonElement Sink(JsonElement summary, string scheme) =>
        summary.GetProperty("sinks").EnumerateArray().Single(s => s.GetProperty("name").GetString()!.StartsWith(scheme + "://", StringComparison.Ordinal));
}
