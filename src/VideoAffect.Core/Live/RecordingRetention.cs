using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VideoAffect.Live;

/// <summary>
/// How long a stream's recordings are kept, as a recorder running day and night needs: segments
/// whose end is older than <paramref name="keep"/>, and the oldest beyond <paramref name="maxBytes"/>
/// of this stream's segments, are deleted, at most every <paramref name="every"/>. Only this
/// stream's own segment names are touched (NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4, as <see cref="SegmentRecorder"/>
/// writes them, from this run or an earlier one): another stream's segments and any other file in
/// the folder are never deleted, nor is the newest segment, which may be the one being written.
/// </summary>
internal sealed class RecordingRetention(string directory, string streamName, TimeSpan? keep, long? maxBytes, TimeSpan every, Action<string>? log = null)
{
    readonly Regex _ours = new($"^{Regex.Escape(streamName)}-\\d{{8}}-\\d{{6}}[+-]\\d{{4}}\\.mp4$", RegexOptions.CultureInvariant);
    long _next;
    int _sweeping;
    bool _said;

    public bool IsOn => keep is not null || maxBytes is not null;

    /// <summary>How often to sweep: twice a segment, between once a second and once a minute.</summary>
    public static TimeSpan Period(TimeSpan segmentLength) => TimeSpan.FromTicks(Math.Clamp(segmentLength.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>Sweeps in the background when it is time to (called with every recorded frame; never waits).</summary>
    public void Tick()
    {
        if (!IsOn || Stopwatch.GetTimestamp() < Interlocked.Read(ref _next)) return;
        Interlocked.Exchange(ref _next, Stopwatch.GetTimestamp() + (long)(every.TotalSeconds * Stopwatch.Frequency));
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        _ = Task.Run(() =>
        {
            try { Sweep(DateTime.UtcNow); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log?.Invoke($"{streamName}: could not delete old recordings: {e.Message}"); }
            finally { Interlocked.Exchange(ref _sweeping, 0); }
        });
    }

    /// <summary>Deletes what is past the limits now; returns the names deleted.</summary>
    public IReadOnlyList<string> Sweep(DateTime utcNow)
    {
        if (!Directory.Exists(directory)) return [];
        // Oldest first: the names sort by their local time, which a clock change can reorder; the end of writing does not.
        var segments = new DirectoryInfo(directory).EnumerateFiles("*.mp4")
            .Where(f => _ours.IsMatch(f.Name)).OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (segments.Count <= 1) return [];
        var old = segments[..^1]; // never the newest: it may be open
        var deleted = new List<string>();
        long total = segments.Sum(f => f.Length);
        foreach (var segment in old)
        {
            bool tooOld = keep is { } k && utcNow - segment.LastWriteTimeUtc > k;
            bool tooMuch = maxBytes is { } max && total > max;
            if (!tooOld && !tooMuch) break; // the rest are newer, and the total fits
            long length = segment.Length; // a deleted file's FileInfo has none
            segment.Delete();
            total -= length;
            deleted.Add(segment.Name);
        }
        if (deleted.Count > 0 && !_said)
        {
            _said = true;
            log?.Invoke($"{streamName}: deleting recordings {Limits()} (first: {deleted[0]})");
        }
        return deleted;
    }

    string Limits() => string.Join(" or ", new[]
    {
        keep is { } k ? $"older than {Human(k)}" : null,
        maxBytes is { } m ? $"beyond {Bytes(m)} for this stream" : null,
    }.Where(s => s is not null));

    static string Human(TimeSpan t) => t.TotalDays >= 1 && t.Ticks % TimeSpan.TicksPerDay == 0 ? $"{t.TotalDays:0} days"
        : t.TotalHours >= 1 && t.Ticks % TimeSpan.TicksPerHour == 0 ? $"{t.TotalHours:0} h" : $"{t.TotalSeconds:0.###} s";

    static string Bytes(long b) => b >= 1L << 30 ? $"{b / (double)(1L << 30):0.##} GiB" : b >= 1L << 20 ? $"{b / (double)(1L << 20):0.##} MiB" : $"{b / 1024.0:0.##} KiB";
}
