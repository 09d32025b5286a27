using System.Diagnostics;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// The end of a run and a sink's connection still under way: a TLS handshake that a loaded machine
/// took longer than the end's one-second grace to refuse (an untrusted certificate) was cancelled,
/// and a short run ended with exit 0, its records silently given up (seen once in a clean clone's
/// BrokerTlsTests). A first attempt under way now gets up to 3 s from the end to give its verdict;
/// a later one (the broker failed before) the one second as before. The sinks here are the base
/// class's own, with connections that take as long as the test says.
/// </summary>
public class OutboxSinkTests
{
    sealed class SlowSink(TimeSpan connecting, bool refuses, bool firstFailsAtOnce = false) : OutboxSink<long>("slow", capacity: 100)
    {
        public int Sent;
        int _attempts;

        protected override async Task ConnectAsync(CancellationToken token)
        {
            if (firstFailsAtOnce && Interlocked.Increment(ref _attempts) == 1) throw new IOException("connection refused");
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

    static readonly SinkRun Run = new() { Streams = ["door"], Report = _ => new StreamReport("live", 0, 0, 0, null), DrainLimit = TimeSpan.FromSeconds(5) };

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
    public async Task A_broker_that_never_answers_holds_the_end_3_s_at_its_first_attempt_and_1_s_after_a_failure()
    {
        await using (var sink = new SlowSink(Timeout.InfiniteTimeSpan, refuses: false))
        {
            var took = await OfferAndFinish(sink);
            Assert.InRange(took.TotalSeconds, 2.8, 4);
            Assert.Null(sink.FatalError);
            Assert.Equal(5, sink.Counters.Dropped);
        }
        await using (var failed = new SlowSink(Timeout.InfiniteTimeSpan, refuses: false, firstFailsAtOnce: true))
        {
            var took = await OfferAndFinish(failed);
            Assert.InRange(took.TotalSeconds, 0.8, 2);
            Assert.Equal(5, failed.Counters.Dropped);
        }
    }
}
