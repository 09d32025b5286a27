namespace VideoAffect.Tests.Support;

/// <summary>
/// The in-process tests whose kernels run on ILGPU's CPU accelerator, one after another with the
/// machine to themselves, before every other test (<see cref="SuiteFramework"/>). The accelerator runs each simulated GPU thread on an OS thread and
/// meets them at System.Threading.Barrier's at every launch; a descheduled thread leaves the others
/// spinning in sched_yield. The Haar photo test took 10 s alone and 58 s beside one busy process
/// (perf: 85% of its samples in the barriers' spinning), and beside the CLI-heavy tests it took
/// both the time and the CPU they needed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelSimulationCollection
{
    public const string Name = "kernels on the CPU accelerator";
}
