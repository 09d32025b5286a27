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

    /// <summary>
    /// Track events as subscribers and webhooks get them: one new (first) and one end (last) per
    /// track of the records, and none about any other track. Returns each track's events, in order.
    /// </summary>
    public static Dictionary<int, List<JsonElement>> OneNewAndOneEndPerTrack(ILookup<int, JsonElement> tracks, IReadOnlyList<JsonElement> events)
    {
        static int Track(JsonElement e) => e.GetProperty("after").GetProperty("track").GetInt32();
        Assert.Equal(tracks.Select(t => t.Key).Order(), events.Select(Track).Distinct().Order());
        var byTrack = new Dictionary<int, List<JsonElement>>();
        foreach (var track in tracks)
        {
            var mine = events.Where(e => Track(e) == track.Key).ToList();
            Assert.Equal("new", mine[0].GetProperty("type").GetString());
            Assert.Equal("end", mine[^1].GetProperty("type").GetString());
            Assert.Single(mine, e => e.GetProperty("type").GetString() == "new");
            Assert.Single(mine, e => e.GetProperty("type").GetString() == "end");
            byTrack[track.Key] = mine;
        }
        return byTrack;
    }
}
