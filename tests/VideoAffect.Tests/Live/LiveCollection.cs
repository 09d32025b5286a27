using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// Live-stream tests run after every other test class, never beside one: they measure real-time
/// behaviour (frame rates, stalls, reconnects, watchdog pings) that two cores busy with the CPU-bound
/// classes would blur. The idle-time jobs run beside them, at the lowest priority, in what they leave
/// idle (<see cref="IdleTime"/>); once those have ended, the live classes run two at a time
/// (<see cref="LivePhase"/>): alone, each took 0.2 to 0.6 of the two cores for most of its time (the
/// rest waits on real time: paced streams, restarts, timeouts), so two of them leave a core to spare.
/// The classes in <see cref="Alone"/> run by themselves, first.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection : ICollectionFixture<LiveCollection.IdleTimeJobs>
{
    public const string Name = "live streams";

    /// <summary>
    /// Classes that run with no other live class beside them:
    /// LiveSourceTimingTests raises the thread pool's minimum and then starves the pool on purpose,
    /// which would hold up an in-process monitor of another class and time its frames late;
    /// OneShotSenderTests counts the frames two 15-fps streams get processed, which depends on the
    /// cores being theirs (beside AnalyzeFaultTests, 70 and 72 of 90 where it wants 74);
    /// AnalyzeFaultTests runs `analyze` as fast as it goes, 1.5 to 1.9 of the two cores alone,
    /// which would leave the other lane's real-time streams too little (2026-12-07).
    /// </summary>
    public static readonly string[] Alone =
    [
        "VideoAffect.Tests.Live.LiveSourceTimingTests",
        "VideoAffect.Tests.Live.OneShotSenderTests",
        "VideoAffect.Tests.Reliability.AnalyzeFaultTests",
    ];

    /// <summary>
    /// The longest classes (seconds alone, 2026-12-08's c37), started first, longest first: the lanes
    /// take the next class as each ends, so the long ones first leave the short ones to even the ends.
    /// </summary>
    public static readonly string[] LongestFirst =
    [
        "VideoAffect.Tests.Live.MonitorSoundTests", // 77
        "VideoAffect.Tests.Live.MonitorTests", // 58
        "VideoAffect.Tests.Live.MonitorOutputsTests", // 21
        "VideoAffect.Tests.Live.SystemdNotifyTests", // 18
        "VideoAffect.Tests.Brokers.BrokerOutageTests", // 18
        "VideoAffect.Tests.Live.LivePageTests", // 14
        "VideoAffect.Tests.Live.RestreamTests", // 14
        "VideoAffect.Tests.Live.MonitorCliTests", // 13
    ];

    /// <summary>Starts the idle-time jobs, lowered, as the first live test starts (the whole suite only).</summary>
    public sealed class IdleTimeJobs
    {
        public IdleTimeJobs()
        {
            if (!IdleTime.WholeSuite) return;
            foreach (var job in IdleTimeCollection.Jobs) IdleTime.Run(job, background: true);
        }
    }
}
