using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// Real-world containers through the real CLI, checked against ffprobe: every decoded frame is
/// kept, each record's time is that frame's own presentation time (ffprobe's best_effort_timestamp),
/// and the annotated video plays each frame at the source's time (measured from the source's start).
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class ContainerTimingTests
{
    /// <summary>How each kind of file is made from the same moving-face clip (20 frames at 15 fps, with audio).</summary>
    static readonly Dictionary<string, string[]> Recipes = new()
    {
        // MPEG-4 ASP with B-frames in AVI: most packets carry no pts (packed B-frames), the last frame none at all.
        ["avi"] = ["-c:v", "mpeg4", "-bf", "2", "-q:v", "5", "-c:a", "pcm_s16le", "-f", "avi"],
        // MPEG-TS starts at 1.4 s, audio a little before video.
        ["ts"] = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"],
        // Variable frame rate: a 0.7 s pause before frame 8.
        ["vfr"] = ["-vf", "setpts=N/15/TB+gte(N\\,8)*0.7/TB", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mp4"],
        // Matroska with 29.97-style times in a millisecond time base.
        ["mkv"] = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "matroska"],
    };

    [Theory]
    [InlineData("avi")]
    [InlineData("ts")]
    [InlineData("vfr")]
    [InlineData("mkv")]
    public void Every_frame_keeps_its_own_time_in_the_records_and_the_video(string kind)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 20, fps: 15, audio: true);
        string input = dir.File($"input.{kind}");
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, .. Recipes[kind], input]);

        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var source = Clips.FrameTimes(input);
        var output = Clips.FrameTimes(dir.File("out.mp4"));
        Assert.Equal(20, source.Length);
        Assert.Equal(source.Length, output.Length);

        // Records: the frame's own time, exactly as ffprobe gives it.
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(records.Select(x => x.GetProperty("frame").GetInt32()).Distinct().Count() >= 15, "the face should be found on most frames");
        int compared = 0;
        foreach (var record in records)
        {
            int frame = record.GetProperty("frame").GetInt32();
            if (source[frame] is not { } expected) continue; // ffprobe has no time for AVI's last flushed frame
            Assert.Equal(expected, record.GetProperty("time").GetDouble(), 2e-6);
            compared++;
        }
        Assert.True(compared >= 14, $"only {compared} records had a reference time");

        // The video: frame i plays at the source's time of frame i, from the source's start.
        double start = double.Parse(ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", input).Trim(), CultureInfo.InvariantCulture);
        for (int i = 0; i < source.Length; i++)
            if (source[i] is { } t)
                Assert.True(Math.Abs(t - start - output[i]!.Value) < 1e-3, $"frame {i}: source {t - start:0.######} s from the start, output {output[i]:0.######} s");
        if (kind == "vfr") Assert.True(output[8] - output[7] > 0.7, "the pause must survive (variable frame rate out for variable in)");
    }

    /// <summary>The annotated video's container follows its name; every frame at its source time (a variable frame rate here), with the audio.</summary>
    [Theory]
    [InlineData("out.mkv", "matroska")]
    [InlineData("out.mov", "qt")]   // QuickTime's brand
    [InlineData("out.m4v", "isom")] // MP4's
    [InlineData("out.MP4", "isom")]
    [InlineData("out.webm", "webm", "vp9 opus")] // what a browser plays in a page
    public void The_annotated_video_is_written_in_the_container_its_name_asks_for(string name, string kind, string codecs = "h264 aac")
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 20, fps: 15, audio: true);
        string input = dir.File("vfr.mp4");
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, .. Recipes["vfr"], input]);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File(name), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        // ffprobe names MP4 and MOV alike ("mov,mp4,..."): the file's major brand tells them apart.
        string format = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=format_name:format_tags=major_brand", "-of", "default=nw=1:nk=1", dir.File(name));
        var facts = format.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Contains(kind, kind is "matroska" or "webm" ? facts[0].Split(',') : facts.Skip(1));
        Assert.Equal("video audio", Clips.StreamTypes(dir.File(name)));
        Assert.Equal(codecs, ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", dir.File(name)).Replace("\n", " ").Trim());
        var source = Clips.FrameTimes(input);
        var output = Clips.FrameTimes(dir.File(name));
        Assert.Equal(source.Length, output.Length);
        for (int i = 0; i < source.Length; i++)
            Assert.True(Math.Abs(source[i]!.Value - output[i]!.Value) < 1e-3, $"frame {i}: source {source[i]} s, output {output[i]} s");
        Assert.True(File.Exists(dir.File(Path.ChangeExtension(name, ".jsonl"))));
    }

    /// <summary>Every audio track is kept, in order, with its language and which one plays by default; the video track claims no language.</summary>
    /// <summary>
    /// Opus, WebM's audio, takes only some channel layouts (libopus refused AC-3's common 5.1(side),
    /// 2.1, 4.0 and unnamed ones, and the run failed after its probe): they are mapped to the nearest it
    /// takes, each track keeping its language, through a part's cut as well.
    /// </summary>
    [Fact]
    public void WebM_takes_every_audio_layout_as_the_nearest_Opus_holds()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 15, fps: 15, audio: false);
        string input = dir.File("surround.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip,
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1,aformat=channel_layouts=5.1(side)",
            "-f", "lavfi", "-i", "sine=frequency=880:duration=1,aformat=channel_layouts=4.0",
            "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "copy", "-c:a:0", "ac3", "-c:a:1", "aac",
            "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra", input);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.webm"), "--start", "0.2", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal("vp9|video\nopus|audio|5.1|eng\nopus|audio|5.0|fra",
            ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,channel_layout:stream_tags=language",
                "-of", "compact=p=0:nk=1", dir.File("out.webm")).Trim());
    }

    [Theory]
    [InlineData("clip.h264", "-c:v", "libx264", "-preset", "ultrafast", "-f", "h264")] // a camera's or a drone's raw dump
    [InlineData("clip.png", "-f", "apng")]
    public void A_stream_that_does_not_say_its_length_lasts_from_its_first_frame_to_the_end_of_its_last(string name, params string[] recipe)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 12, fps: 12, width: 320, height: 240, audio: false);
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, .. recipe, dir.File(name)]);
        // ffprobe knows no length for it, only its frames (their times, where the stream has any: a raw H.264 stream has none) and its rate.
        Assert.Equal("N/A", ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", dir.File(name)).Trim());
        var times = Clips.FrameTimes(dir.File(name));
        Assert.Equal(12, times.Length);
        string rate = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate", "-of", "csv=p=0", dir.File(name)).Trim();
        double fps = double.Parse(rate.Split('/')[0], CultureInfo.InvariantCulture) / double.Parse(rate.Split('/')[1], CultureInfo.InvariantCulture);
        double expected = times.All(t => t is not null) ? times[^1]!.Value - times[0]!.Value + 1 / fps : times.Length / fps;

        var run = ProcessRunner.Cli(["analyze", dir.File(name), "-o", "/dev/null", "--report", dir.File("r.html"), "--backend", "cpu", "--json"], timeoutSeconds: 60);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("fps, length not in the file;", run.StandardError);
        using var summary = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal(12, summary.RootElement.GetProperty("frames_decoded").GetInt32());
        Assert.Equal(expected, summary.RootElement.GetProperty("video_seconds").GetDouble(), tolerance: 1e-4);
        Assert.Contains($"duration</th><td>{expected.ToString("0.00", CultureInfo.InvariantCulture)} s,", File.ReadAllText(dir.File("r.html")));
    }

    [Fact]
    public void Every_audio_track_is_kept_with_its_language_and_default_mark()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 15, fps: 15, audio: true);
        string input = dir.File("two-languages.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-f", "lavfi", "-i", "sine=frequency=880:duration=1",
            "-map", "0:v", "-map", "0:a", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
            "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra", "-disposition:a:0", "0", "-disposition:a:1", "default", input);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        string Tracks(string path) => ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_tags=language:stream_disposition=default",
            "-of", "compact=p=0", path).Trim();
        Assert.Equal("codec_type=video|disposition:default=1|tag:language=und\n"
            + "codec_type=audio|disposition:default=0|tag:language=eng\n"
            + "codec_type=audio|disposition:default=1|tag:language=fra", Tracks(dir.File("out.mp4")));
    }

    [Theory]
    [InlineData("out.txt")]
    [InlineData("out.avi")]
    [InlineData("out")]
    public void An_annotated_video_named_for_a_container_we_do_not_write_is_refused_before_the_run(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 5, audio: false);
        var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File(name), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: the annotated video '{dir.File(name)}' needs a name ending in .mp4, .m4v, .mov, .mkv, .webm (H.264 in MP4, MOV or Matroska; VP9 in WebM)", r.StandardError.Trim());
        Assert.Equal(["clip.mp4"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_link_named_mp4_to_a_file_of_another_kind_is_refused_before_the_run_and_the_file_kept()
    {
        // What is written through a link is the file it names: before 0.26.5 `-o clip.mp4` linking to
        // notes.txt passed the check, probed the input, then failed on 'notes.partial.txt'.
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 5, audio: false);
        File.WriteAllText(dir.File("notes.txt"), "mine");
        File.CreateSymbolicLink(dir.File("out.mp4"), "notes.txt");
        var r = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: the annotated video '{dir.File("out.mp4")}' is a link to '{dir.File("notes.txt")}', which needs a name ending in .mp4, .m4v, .mov, .mkv, .webm (H.264 in MP4, MOV or Matroska; VP9 in WebM) to be written",
            r.StandardError.Trim());
        Assert.Equal("mine", File.ReadAllText(dir.File("notes.txt")));
        Assert.Equal(["clip.mp4", "notes.txt", "out.mp4"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void With_two_video_streams_the_default_one_is_analysed_and_another_can_be_chosen()
    {
        using var dir = TestPaths.NewTempFolder();
        string face = Clips.MovingFace(dir.File("face.mp4"), 12, fps: 15, width: 480, height: 360, audio: false);
        string file = dir.File("two.mkv");
        // Stream 0: a face-free test pattern of another size; stream 1 (marked default): the face.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2", "-i", face,
            "-map", "0:v", "-map", "1:v", "-c:v", "libx264", "-preset", "ultrafast", "-disposition:v:0", "0", "-disposition:v:1", "default", file);

        var r = ProcessRunner.Cli(["analyze", file, "-o", dir.File("default.mp4"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal("480,360", Size(dir.File("default.mp4")));
        Assert.Equal(12, Clips.CountFrames(dir.File("default.mp4")));
        Assert.True(File.ReadAllLines(dir.File("default.jsonl")).Length >= 10, "the face stream was analysed");

        r = ProcessRunner.Cli(["analyze", file, "-o", dir.File("first.mp4"), "--backend", "cpu", "--video-stream", "0"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal("320,240", Size(dir.File("first.mp4")));
        Assert.Equal(20, Clips.CountFrames(dir.File("first.mp4")));

        r = ProcessRunner.Cli(["analyze", file, "-o", dir.File("none.mp4"), "--video-stream", "5"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has no video stream 5 (its video streams: 0, 1)", r.StandardError);
    }

    static string Size(string path) =>
        ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path).Trim();
}
