namespace VideoAffect.Tests.Live;

/// <summary>
/// Live-stream tests run on their own, never beside other test classes: they measure real-time
/// behaviour (frame rates, stalls, reconnects) that two busy cores shared with other tests would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection
{
    public const string Name = "live streams";
}
