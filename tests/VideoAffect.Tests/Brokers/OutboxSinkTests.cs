using System.Diagnostics;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// The end of a run and a sink's connection still under way: a TLS handshake that a loaded machine
/// took longer than the end's one-second grace to refuse (an untrusted certificate) was cancelled,
/// and a short run ended with exit 0, its records silently given up (seen once in a clean clone's
/// BrokerTlsTests). An attempt under way is now let finish, within the drain limit, which still
/// bounds a broker that never answers. The sinks here are the base class's own, with connections
/// that take as long as the test says.
/// </summary>
public class OutboxSinkTests
{
    sealed class SlowSink(TimeSpan connecting, bool refuses) : OutboxSink<long>("slow", capacity: 100)
    {
        public int Sent;

        protected override async Task ConnectAsync(CancellationToken token)
        {
            await Task.Delay(connecting, token);
            if (refuses) throw new SinkRefusedException("the broker's certificate is not trusted");
        }

        protected override Task SendAsync(IReadOnlyList<long> batch, CancellationToken token)
        {
            Interlocked.Add(ref Sent, batch.Count);
            return Task.CompletedTask;
        }

        protected override IEnumerable<long> Translate(FrameRecord record) => [record.Frame];
    }

    static readonly SinkRun Run = new() { Streams = ["door"], Report = _ => new StreamReport("live", 0, 0, 0, null), DrainLimit = TimeSpan.FromSeconds(3) };

    static async Task<TimeSpan> OfferAndFinish(SlowSink sink)
    {
        sink.Start(Run);
        for (int frame = 0; frame < 5; frame++) sink.Offer(new FrameRecord("door", frame, frame / 15.0, null, []));
        var clock = Stopwatch.StartNew();
        await sink.FinishAsync(RunOutcome.Complete);
        return clock.Elapsed;
    }

    [Fact]
    public async Task A_refusal_that_comes_after_the_grace_still_stops_the_run_with_its_line()
    {
        await using var sink = new SlowSink(TimeSpan.FromSeconds(1.8), refuses: true);
        await OfferAndFinish(sink);
        Assert.Equal("slow: the broker's certificate is not trusted", sink.FatalError);
    }

    [Fact]
    public async Task A_connection_that_comes_after_the_grace_sends_what_was_queued()
    {
        await using var sink = new SlowSink(TimeSpan.FromSeconds(1.8), refuses: false);
        await OfferAndFinish(sink);
        Assert.Null(sink.FatalError);
        Assert.Equal(5, sink.Sent);
        Assert.Equal(5, sink.Counters.Sent);
    }

    [Fact]
    public async Task A_broker_that_never_answers_holds_the_end_for_the_drain_limit_only()
    {
        await using var sink = new SlowSink(Timeout.InfiniteTimeSpan, refuses: false);
        var took = await OfferAndFinish(sink);
        Assert.InRange(took.TotalSeconds, 2.5, 4.5);
        Assert.Null(sink.FatalError);
        Assert.Equal(5, sink.Counters.Dropped);
    }
}
