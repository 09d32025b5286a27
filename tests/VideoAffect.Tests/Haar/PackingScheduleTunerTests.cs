using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// The GPU cascade's packing schedule chosen on a frame size's first frames
/// (<see cref="PackingScheduleTuner"/>): with times the test sets, each candidate gets its trial
/// frames in turn, the fastest is kept per size, and one within the margin does not displace the
/// fallback; and the detector on ILGPU's CPU accelerator finds the same windows on every trial
/// frame, whichever schedule ran it, then reports its choice.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class PackingScheduleTunerTests
{
    static readonly int[][] Candidates = [[], [1], [2], [1, 3]];

    /// <summary>Frames of one size until its choice, each timed by <paramref name="seconds"/>; the schedules in the order they ran.</summary>
    static List<int[]> RunTrials(PackingScheduleTuner tuner, int width, int height, Func<int[], double> seconds)
    {
        var ran = new List<int[]>();
        while (tuner.Choice(width, height) is null)
        {
            var schedule = tuner.Next(width, height);
            ran.Add(schedule);
            tuner.Report(width, height, schedule, seconds(schedule), hits: 5);
            Assert.True(ran.Count <= 100, "the trials never end");
        }
        return ran;
    }

    [Fact]
    public void Each_candidate_gets_its_trials_in_turn_and_the_fastest_is_kept_per_size()
    {
        var tuner = new PackingScheduleTuner(Candidates, [2]);
        // At 640x480 packing after stage 1 is fastest; at 1920x1080 after stages 1 and 3.
        var small = RunTrials(tuner, 640, 480, s => s.SequenceEqual([1]) ? 1.0 : 2.0);
        Assert.Equal(PackingScheduleTuner.Trials * Candidates.Length, small.Count);
        string[] order = ["2", "", "1", "1,3"]; // the fallback first, then the others in their order
        Assert.Equal(order.Concat(order), small.Select(s => string.Join(",", s)));
        Assert.Equal([1], tuner.Next(640, 480));
        Assert.Equal(2.0, tuner.Choice(640, 480)!.Value.Times.Single(t => t.Schedule.Length == 0).Seconds);

        int calls = 0;
        RunTrials(tuner, 1920, 1080, s => s.SequenceEqual([1, 3]) ? 5.0 : 9.0 + calls++); // noisy, and the best of the trials counts
        Assert.Equal([1, 3], tuner.Next(1920, 1080));
        Assert.Equal([1], tuner.Next(640, 480)); // each size its own
        tuner.Report(1920, 1080, [2], 0.1, 5);  // after the choice, times change nothing
        Assert.Equal([1, 3], tuner.Next(1920, 1080));
    }

    /// <summary>
    /// Frames where no window passed (a fade-in's black frames, a blank wall) do not count: there
    /// the least packing always wins. Until a frame with a window comes, the fallback runs.
    /// </summary>
    [Fact]
    public void Frames_without_a_window_do_not_count()
    {
        var tuner = new PackingScheduleTuner(Candidates, [2]);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal([2], tuner.Next(640, 480));
            tuner.Report(640, 480, tuner.Next(640, 480), seconds: 0.001, hits: 0);
        }
        Assert.Null(tuner.Choice(640, 480));
        RunTrials(tuner, 640, 480, s => s.SequenceEqual([1, 3]) ? 1.0 : 2.0);
        Assert.Equal([1, 3], tuner.Choice(640, 480)!.Value.Chosen);
    }

    [Theory]
    [InlineData(0.98, "2")]   // 2 % faster than the fallback: within the margin
    [InlineData(0.95, "1")]   // 5 % faster: chosen
    public void A_candidate_must_beat_the_fallback_by_the_margin(double packAfterOne, string expected)
    {
        var tuner = new PackingScheduleTuner(Candidates, [2]);
        RunTrials(tuner, 320, 240, s => s.SequenceEqual([1]) ? packAfterOne : s.SequenceEqual([2]) ? 1.0 : 3.0);
        Assert.Equal(expected, string.Join(",", tuner.Choice(320, 240)!.Value.Chosen));
    }

    [Fact]
    public void A_fallback_outside_the_candidates_is_tried_too()
    {
        var tuner = new PackingScheduleTuner(Candidates, [5]);
        var ran = RunTrials(tuner, 100, 100, s => s.SequenceEqual([5]) ? 0.5 : 1.0);
        Assert.Contains(ran, s => s.SequenceEqual([5]));
        Assert.Equal([5], tuner.Choice(100, 100)!.Value.Chosen);
    }

    /// <summary>
    /// The detector on ILGPU's CPU accelerator (asked to tune, as it does on a GPU), one photo again
    /// and again: every trial frame, each under another schedule, gives the faces OpenCV gives, and
    /// after the trials the detector names its choice; a schedule set by hand ends the trials.
    /// Without asking, the CPU accelerator keeps the default.
    /// </summary>
    [Fact]
    public void The_detectors_trial_frames_give_the_same_faces_whichever_schedule_runs_them()
    {
        using var gray = HaarReference.Gray(TestPaths.Photo(Path.Combine("faces", "sample1.jpg")), 240);
        var options = new DetectorOptions { MinFaceSize = 24 };
        var expected = HaarReference.Sorted(HaarReference.OpenCv(gray, options, 0));
        Assert.NotEmpty(expected);
        using var detector = new IlgpuHaarDetector(options, IlgpuRuntime.CreateCpuAccelerator(), tunePacking: true);
        int width = gray.Width, height = gray.Height, frames = 0;
        while (detector.PackingChoice(width, height) is null)
        {
            Assert.Equal(expected, HaarReference.Sorted(detector.DetectCandidates(gray)));
            Assert.True(++frames <= 40, "the trials never end");
        }
        var choice = detector.PackingChoice(width, height)!.Value;
        Assert.Equal(PackingScheduleTuner.Trials * choice.Times.Count, frames);
        Assert.True(choice.Times.Count >= 10, $"{choice.Times.Count} candidates");
        Assert.All(choice.Times, t => Assert.True(t.Seconds > 0 && t.Seconds < 60));
        using var untuned = new IlgpuHaarDetector(options, IlgpuRuntime.CreateCpuAccelerator());
        untuned.DetectCandidates(gray);
        Assert.Null(untuned.PackingChoice(width, height));
        detector.PackAfter = [3];
        Assert.Null(detector.PackingChoice(width, height));
        Assert.Equal(expected, HaarReference.Sorted(detector.DetectCandidates(gray)));
    }
}
