using VideoAffect.Records;

namespace VideoAffect.Sinks;

/// <summary>
/// Somewhere a run's records and track events go besides its files: a message broker, a webhook.
/// A sink is isolated from the frames: <see cref="Offer"/> never blocks and never throws into the
/// pipeline; a sink that falls behind or loses its connection drops messages and counts them.
/// </summary>
public interface IEventSink : IAsyncDisposable
{
    /// <summary>Where it sends, safe to print (no password).</summary>
    string Name { get; }
    /// <summary>Messages sent and dropped, reconnections and errors so far.</summary>
    SinkCounters Counters { get; }
    /// <summary>Set when the sink can never work (credentials refused, unknown host): the run stops with this line.</summary>
    string? FatalError { get; }
    /// <summary>Starts connecting in the background; returns at once.</summary>
    void Start(SinkRun run);
    /// <summary>Hands over one frame's records; returns at once.</summary>
    void Offer(FrameRecord record);
    /// <summary>Sends what is queued and the run's final messages, within <see cref="SinkRun.DrainLimit"/>.</summary>
    Task FinishAsync(RunOutcome outcome);
}

/// <summary>How a run ended, as sinks report it (a stream's final state, the broker's availability).</summary>
public enum RunOutcome
{
    /// <summary>Every frame was processed.</summary>
    Complete,
    /// <summary>Stopped on purpose (a duration reached, a stream removed).</summary>
    Stopped,
    /// <summary>Cancelled by the user (Ctrl+C, SIGTERM).</summary>
    Cancelled,
    /// <summary>Ended by an error.</summary>
    Failed,
}

/// <summary>What a sink is told about the run it serves.</summary>
public sealed record SinkRun
{
    /// <summary>The streams of the run, by name (the input file's name for `analyze`).</summary>
    public required IReadOnlyList<string> Streams { get; init; }
    /// <summary>A stream's source-side facts (state, frames read, drops, reconnects) for status messages.</summary>
    public required Func<string, StreamReport> Report { get; init; }
    /// <summary>Frames of a stream without a track's face after which the track has ended (the tracker cannot bring it back).</summary>
    public int TrackEndFrames { get; init; } = 8;
    /// <summary>How long the end of a run may wait for a sink to send what it has queued.</summary>
    public TimeSpan DrainLimit { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// A track's face as a JPEG by stream and track (its most confident classification so far), or
    /// null for a track without one; null when the run keeps no faces (it anonymizes them).
    /// </summary>
    public Func<string, int, byte[]?>? TrackFace { get; init; }
    /// <summary>Where a sink says what it is doing (connection lost, back).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>A stream's source-side facts at one moment.</summary>
public sealed record StreamReport(string State, long FramesRead, long Dropped, long Reconnects, string? LastError);
