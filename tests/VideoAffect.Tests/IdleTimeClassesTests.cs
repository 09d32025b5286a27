using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// The classes left to the live tests' idle time (<see cref="IdleTimeClasses"/>) ran there, in a test
/// process of their own, and left test.sh their results. Their tests' own results are in that file,
/// read and reported by test.sh; this test waits for the process, so that the main run does not end
/// before it.
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class IdleTimeClassesTests
{
    [SkippableFact]
    public Task The_idle_time_classes_ran_in_a_test_process_of_their_own_and_left_their_results()
    {
        Skip.If(IdleTimeClasses.ResultsFolder is null, "the idle-time classes run in this process (test.sh runs them beside the live tests)");
        return IdleTime.Run(IdleTimeClasses.RunThemInAChildTestProcess);
    }
}
