using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// The summary's per-track lines, recomputed here from the records file alone: each track's first and
/// last time, its record count, the share of each shown (smoothed) label, its most shown label and
/// the mean of its records' own probabilities.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class TrackSummaryTests
{
    [Theory]
    [InlineData("poster", "--detect-every", "2")] // two faces, one of them moving; smoothed labels shown
    [InlineData("sample", "--smoothing", "1")]    // the sample clip's 6 to 9 s without smoothing: its own labels shown, two of them sad (a track of its own)
    public void Each_tracks_summary_is_what_its_records_add_up_to(string clipName, string option, string value)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = clipName == "poster" ? FaceZoneTests.PosterClip(dir) : Clips.SampleCut(dir.File("sample.mp4"), start: 6, seconds: 3);
        var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--summary", dir.File("summary.json"), option, value]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var records = FaceZoneTests.Records(dir.File("out.jsonl"));
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.File("summary.json")));
        var tracks = summary.RootElement.GetProperty("tracks").EnumerateArray().ToList();
        var byTrack = records.GroupBy(x => x.GetProperty("track").GetInt32()).OrderBy(g => g.Key).ToList();
        Assert.NotEmpty(byTrack);
        Assert.Equal(byTrack.Select(g => g.Key), tracks.Select(t => t.GetProperty("track").GetInt32()));
        string[] labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
        foreach (var (group, track) in byTrack.Zip(tracks))
        {
            var times = group.Select(x => x.GetProperty("time").GetDouble()).ToList();
            Assert.Equal(times.Min(), track.GetProperty("first_time").GetDouble(), tolerance: 1e-6);
            Assert.Equal(times.Max(), track.GetProperty("last_time").GetDouble(), tolerance: 1e-6);
            Assert.Equal(group.Count(), track.GetProperty("records").GetInt32());
            // Shown: the smoothed label where the records have one, else the frame's own.
            var shown = group.Select(x => (x.TryGetProperty("smoothed_label", out var smoothed) ? smoothed : x.GetProperty("label")).GetString()!).ToList();
            foreach (string label in labels)
            {
                Assert.Equal(shown.Count(s => s == label) / (double)shown.Count, track.GetProperty("shares").GetProperty(label).GetDouble(), tolerance: 1e-5);
                // The records' probabilities have 6 significant digits; the mean is of the full values.
                Assert.Equal(group.Average(x => x.GetProperty("probabilities").GetProperty(label).GetDouble()), track.GetProperty("mean_probabilities").GetProperty(label).GetDouble(), tolerance: 1e-4);
            }
            string most = labels.OrderByDescending(l => shown.Count(s => s == l)).ThenBy(l => Array.IndexOf(labels, l)).First();
            Assert.Equal(most, track.GetProperty("label").GetString());
        }
        if (clipName == "poster") return;

        // Without tracking there are no tracks to sum up (the clip's first second: the whole clip
        // took ~7 s of CPU to show the same).
        string second = Clips.SampleStart(dir.File("second.mp4"), seconds: 1);
        var untracked = ProcessRunner.Cli(["analyze", second, "-o", "/dev/null", "--events", dir.File("untracked.jsonl"), "--backend", "cpu", "--no-tracking", "--json"]);
        Assert.True(untracked.ExitCode == 0, untracked.StandardError);
        using var plain = JsonDocument.Parse(untracked.StandardOutput);
        Assert.NotEmpty(File.ReadAllLines(dir.File("untracked.jsonl"))); // faces were found, and still no tracks
        Assert.False(plain.RootElement.TryGetProperty("tracks", out _));
    }

    [Fact]
    public void Shares_ties_and_means_follow_the_shown_and_own_predictions()
    {
        string[] labels = ["a", "b", "c"];
        Classification.EmotionPrediction P(params float[] p) => new(labels, p);
        var tally = new Pipeline.TrackTally(labels);
        // Track 5: shown b, c, c, b (a tie: b, the earlier label, wins), own probabilities of their own.
        tally.Add(5, 2.0, P(0.5f, 0.3f, 0.2f), P(0.1f, 0.8f, 0.1f));
        tally.Add(5, 1.5, P(0.1f, 0.1f, 0.8f), P(0.1f, 0.1f, 0.8f));
        tally.Add(5, 3.0, P(0.2f, 0.2f, 0.6f), P(0.2f, 0.2f, 0.6f));
        tally.Add(5, 2.5, P(0.0f, 1.0f, 0.0f), P(0.0f, 1.0f, 0.0f));
        tally.Add(0, 9.0, P(1, 0, 0), P(1, 0, 0)); // untracked: no track to sum up
        tally.Add(2, 4.0, P(0.9f, 0.05f, 0.05f), P(0.9f, 0.05f, 0.05f));
        var all = tally.Summaries();
        Assert.Equal([2, 5], all.Select(t => t.Track));
        var t5 = all[1];
        Assert.Equal((1.5, 3.0, 4L, "b"), (t5.FirstTime, t5.LastTime, t5.Records, t5.Label));
        Assert.Equal(0.0, t5.Shares["a"]);
        Assert.Equal(0.5, t5.Shares["b"]);
        Assert.Equal(0.5, t5.Shares["c"]);
        Assert.Equal((0.5 + 0.1 + 0.2 + 0.0) / 4, t5.MeanProbabilities["a"], tolerance: 1e-6);
        Assert.Equal((0.3 + 0.1 + 0.2 + 1.0) / 4, t5.MeanProbabilities["b"], tolerance: 1e-6);
        Assert.Equal((0.2 + 0.8 + 0.6 + 0.0) / 4, t5.MeanProbabilities["c"], tolerance: 1e-6);
        Assert.Equal("a", all[0].Label);
    }

    [Fact]
    public void A_live_streams_stages_keep_no_per_track_sums_and_a_files_do()
    {
        // A camera watched for months sees tracks without end: summing each one up would grow
        // without bound. Only a file's run (whose summary lists its tracks) tallies them.
        using var recognition = Pipeline.Recognition.Load(new RecognitionOptions { Backend = "cpu" }, null);
        using var records = new DiscardedRecords();
        using var live = recognition.ForStream("camera", 1, 1, live: true, records, Sinks.EventSinks.None);
        using var file = recognition.ForStream("file", 1, 1, live: false, records, Sinks.EventSinks.None);
        Assert.False(live.Annotate.TalliesTracks);
        Assert.True(file.Annotate.TalliesTracks);
    }

    sealed class DiscardedRecords : Records.IRecordWriter
    {
        public long Records => 0;
        public void Write(Records.FrameRecord frame) { }
        public void Dispose() { }
    }
}
