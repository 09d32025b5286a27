using System.Globalization;
using System.Text.Json;
using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>`analyze` end to end on generated clips, checked against frame counts, timestamps and ffprobe.</summary>
public class AnalyzePipelineTests
{
    [Fact]
    public async Task Output_has_every_input_frame_in_a_playable_mp4_with_audio_and_ordered_records()
    {
        using var dir = TestPaths.NewTempFolder();
        const int frames = 45, fps = 15;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, fps);
        var options = new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            SummaryPath = dir.File("out.summary.json"),
            QueueCapacity = 2, // small queues: the producers must wait, never drop
            Recognition = new() { Backend = "cpu", BatchSize = 4 },
        };
        int openCvThreads = OpenCvSharp.Cv2.GetNumThreads();
        var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);

        Assert.Equal(openCvThreads, OpenCvSharp.Cv2.GetNumThreads()); // the run's single-threaded cascades leave the process setting alone
        Assert.True(summary.Complete, summary.Error);
        Assert.Equal(frames, Clips.CountFrames(input));
        Assert.Equal(frames, summary.FramesDecoded);
        Assert.Equal(frames, summary.FramesWritten);
        Assert.Equal(frames, Clips.CountFrames(options.OutputPath));
        Assert.Equal("video audio", Clips.StreamTypes(options.OutputPath));
        Assert.False(File.Exists(dir.File("out.partial.mp4")));

        var records = File.ReadAllLines(options.EventsPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(summary.Faces, records.Count);
        Assert.True(records.Count >= frames * 0.9, $"the face should be found in most frames ({records.Count}/{frames})");
        var happy = records.Count(r => r.GetProperty("label").GetString() == "happy");
        Assert.True(happy >= records.Count * 0.8, $"the astronaut smiles: {happy}/{records.Count} happy");
        double previous = -1;
        foreach (var r in records)
        {
            int frame = r.GetProperty("frame").GetInt32();
            double time = r.GetProperty("time").GetDouble();
            Assert.InRange(time, previous, double.MaxValue); // never goes back
            Assert.Equal(frame / (double)fps, time, 1e-3);   // the clip is constant-rate
            Assert.Equal(7, r.GetProperty("probabilities").EnumerateObject().Count());
            previous = time;
        }
        using var saved = JsonDocument.Parse(File.ReadAllText(options.SummaryPath!));
        Assert.Equal("complete", saved.RootElement.GetProperty("status").GetString());
        Assert.Equal(frames, saved.RootElement.GetProperty("frames_written").GetInt32());
    }

    [Fact]
    public async Task Cancelling_mid_run_keeps_every_decoded_frame_in_a_playable_partial_output()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), 150, 30, audio: false);
        var options = new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            Recognition = new() { Backend = "cpu" },
        };
        var analyzer = new VideoAnalyzer(options);
        using var cancel = new CancellationTokenSource();
        var run = analyzer.RunAsync(cancel.Token);
        while (analyzer.FramesDecoded < 20 && !run.IsCompleted) await Task.Delay(20);
        cancel.Cancel();
        var summary = await run;

        Assert.Equal("cancelled", summary.Status);
        Assert.InRange(summary.FramesDecoded, 20, 149);
        Assert.Equal(summary.FramesDecoded, summary.FramesWritten);
        Assert.False(File.Exists(options.OutputPath), "a cancelled run must not leave a complete-looking output");
        Assert.Equal(dir.File("out.partial.mp4"), summary.Video);
        Assert.Equal(summary.FramesWritten, Clips.CountFrames(summary.Video));
        foreach (var line in File.ReadAllLines(summary.Events))
            JsonDocument.Parse(line).Dispose(); // every line whole
    }

    [Fact]
    public async Task Detect_every_n_follows_the_face_between_detections_and_writes_csv()
    {
        using var dir = TestPaths.NewTempFolder();
        const int frames = 40;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, fps: 30, audio: false);
        var options = new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.csv"),
            Recognition = new() { Backend = "cpu", DetectEvery = 4 },
        };
        var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);

        Assert.True(summary.Complete, summary.Error);
        Assert.Equal(frames, Clips.CountFrames(options.OutputPath));
        Assert.Equal(frames / 4, summary.DetectorRuns);
        var lines = File.ReadAllLines(options.EventsPath);
        var header = lines[0].Split(',');
        Assert.Equal(["time", "frame", "track", "detected", "x", "y", "w", "h", "label", "confidence",
            "p_angry", "p_disgust", "p_fear", "p_happy", "p_sad", "p_surprise", "p_neutral", "smoothed_label", "tentative"], header);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(summary.Faces, rows.Count);
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        // The one face is one track, detected on every 4th frame and predicted on the others
        // once the track is confirmed (second detection, frame 4).
        var main = rows.GroupBy(r => r[2]).OrderByDescending(g => g.Count()).First();
        Assert.True(main.Count() >= frames - 8, $"track {main.Key} covers {main.Count()} of {frames} frames");
        Assert.Contains(main, r => r[3] == "0");
        Assert.All(main.Where(r => r[3] == "1"), r => Assert.Equal(0, int.Parse(r[1]) % 4));
        Assert.True(main.Count(r => r[17] == "happy") >= main.Count() * 0.8);
    }

    [Fact]
    public async Task Timestamps_come_from_the_container_when_frames_are_not_evenly_spaced()
    {
        using var dir = TestPaths.NewTempFolder();
        string even = Clips.MovingFace(dir.File("even.mp4"), 20, audio: false);
        // Same frames, with a 0.5 s pause inserted before frame 10 (variable frame rate).
        string uneven = dir.File("uneven.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", even, "-vf", "setpts=N/15/TB+gte(N\\,10)*0.5/TB",
            "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", uneven);
        var options = new AnalyzeOptions
        {
            InputPath = uneven,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            Recognition = new() { Backend = "cpu" },
        };
        var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);
        Assert.Equal(20, summary.FramesWritten);
        var times = File.ReadAllLines(options.EventsPath).Select(l => JsonDocument.Parse(l).RootElement)
            .GroupBy(r => r.GetProperty("frame").GetInt32()).ToDictionary(g => g.Key, g => g.First().GetProperty("time").GetDouble());
        // ffprobe's own decode of the file is the reference (the muxer rounds the pause to its time base).
        var expected = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", uneven)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t.Trim().TrimEnd(','), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(20, expected.Length);
        Assert.True(expected[10] - expected[9] > 0.4, "the clip should have its pause");
        Assert.True(times.Count >= 15, $"the face should be found in most frames ({times.Count}/20)");
        foreach (var (frame, time) in times)
            Assert.Equal(expected[frame], time, 1e-4);
    }

    [Fact]
    public async Task Classify_every_k_carries_a_tracks_prediction_between_classifications()
    {
        using var dir = TestPaths.NewTempFolder();
        const int frames = 24;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, fps: 30, audio: false);
        var options = new AnalyzeOptions
        {
            InputPath = input,
            OutputPath = dir.File("out.mp4"),
            EventsPath = dir.File("out.jsonl"),
            Recognition = new() { Backend = "cpu", ClassifyEvery = 4 },
        };
        var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);
        Assert.Equal(frames, summary.FramesWritten);
        var records = File.ReadAllLines(options.EventsPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var carried = records.Where(r => !r.GetProperty("classified").GetBoolean()).ToList();
        Assert.NotEmpty(carried);
        // Carried records are never on a classification frame and hold a full prediction.
        Assert.All(carried, r => Assert.NotEqual(0, r.GetProperty("frame").GetInt32() % 4));
        // Each track is classified on its first frame and on every 4th frame after it, no other.
        foreach (var track in records.GroupBy(r => r.GetProperty("track").GetInt32()))
        {
            var trackFrames = track.Select(r => r.GetProperty("frame").GetInt32()).ToList();
            var classified = track.Where(r => r.GetProperty("classified").GetBoolean()).Select(r => r.GetProperty("frame").GetInt32());
            Assert.Equal(trackFrames.Where(f => f == trackFrames.Min() || f % 4 == 0), classified);
        }
        Assert.All(records, r => Assert.Equal(7, r.GetProperty("probabilities").EnumerateObject().Count()));
        Assert.True(summary.Batches < frames, $"{summary.Batches} forward passes for {frames} frames");
    }
}
