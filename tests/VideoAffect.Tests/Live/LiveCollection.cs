using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// Live-stream tests run on their own, never beside other test classes: they measure real-time
/// behaviour (frame rates, stalls, reconnects) that two busy cores shared with other tests would blur.
/// Only the idle-time jobs run beside them, at the lowest priority, in what they leave idle
/// (<see cref="IdleTime"/>).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection : ICollectionFixture<LiveCollection.IdleTimeJobs>
{
    public const string Name = "live streams";

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
