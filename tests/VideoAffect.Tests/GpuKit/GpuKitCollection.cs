namespace VideoAffect.Tests.GpuKit;

/// <summary>
/// The GPU kit's dry run on its own, never beside other test classes: it publishes a
/// self-contained build and runs every check on ILGPU's CPU accelerator, which takes both cores;
/// beside the rest of the suite it ran past its time limit (7 minutes instead of under 2).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GpuKitCollection
{
    public const string Name = "gpu kit";
}
