using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// Each bad input gives one clear line on stderr, a non-zero exit code, no stack trace, no hang,
/// and no output that looks complete.
/// </summary>
public class BadInputTests
{
    static void AssertCleanFailure(ProcessRunner.Result r, string expectedInMessage)
    {
        Assert.False(r.TimedOut, "the command hung");
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("videoaffect: error:")).ToList();
        var error = Assert.Single(lines);
        Assert.Contains(expectedInMessage, error);
        Assert.DoesNotContain("   at ", r.StandardError);
        Assert.DoesNotContain("Exception", r.StandardError);
    }

    static ProcessRunner.Result Analyze(TempFolder dir, string input, params string[] more) =>
        ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), .. more], timeoutSeconds: 60);

    static void AssertNoCompleteOutputs(TempFolder dir)
    {
        Assert.False(File.Exists(dir.File("out.mp4")));
        Assert.False(File.Exists(dir.File("out.jsonl")));
    }

    [Fact]
    public void Missing_file()
    {
        using var dir = TestPaths.NewTempFolder();
        AssertCleanFailure(Analyze(dir, dir.File("nothere.mp4")), "does not exist");
        AssertNoCompleteOutputs(dir);
    }

    /// <summary>Command, its arguments joined by '|' ({clip} a file path), and the usage line's message.</summary>
    public static TheoryData<string, string, string> EmptyOrNonFiniteValues => new()
    {
        { "analyze", "{clip}|-o|", "--output takes a non-empty value (got '')" },
        { "analyze", "", "an empty input was given ('')" },
        { "analyze", "{clip}|--model|", "--model takes a non-empty value (got '')" },
        { "analyze", "{clip}|--publish| ", "--publish takes a non-empty value (got '')" },
        { "monitor", "cam={clip}|--records|", "--records takes a non-empty value (got '')" },
        { "monitor", "cam={clip}|--faces|", "--faces takes a non-empty value (got '')" },
        { "monitor", "cam={clip}|--http|127.0.0.1:0|--http-credentials|", "--http-credentials takes a non-empty value (got '')" },
        { "classify", "{clip}|--annotate|", "--annotate takes a non-empty value (got '')" },
        { "evaluate", "|", "an empty model was given ('')" },
        { "analyze", "{clip}|--scale-factor|nan", "--scale-factor takes a finite number (got 'nan')" },
        { "analyze", "{clip}|--smoothing|NaN", "--smoothing takes a finite number (got 'NaN')" },
        { "monitor", "cam={clip}|--crop-margin|-Infinity", "--crop-margin takes a finite number (got '-Infinity')" },
    };

    /// <summary>
    /// A value left empty (a script's unset variable: `-o "$OUT"`), and a number given as nan or
    /// infinity, is a usage line naming the option, in every command: before 0.19 `-o ''`, an empty
    /// input and monitor's empty folders were an unexpected failure (exit code 1), and `--model ''` quietly ran the default model.
    /// </summary>
    [Theory]
    [MemberData(nameof(EmptyOrNonFiniteValues))]
    public void An_empty_or_non_finite_value_is_a_usage_line_naming_the_option(string command, string arguments, string message)
    {
        using var dir = TestPaths.NewTempFolder();
        var args = arguments.Split('|').Select(a => a.Replace("{clip}", dir.File("none.mp4"))).Prepend(command).ToArray();
        var run = ProcessRunner.Cli(args, timeoutSeconds: 30);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"videoaffect: usage: {message}; see 'videoaffect {command} --help'", run.StandardError.Trim());
    }

    /// <summary>
    /// The library refuses a NaN where a range is required, as the command line does: a NaN passes
    /// "must be greater than" checks, and a cascade scaled by NaN never finished a frame (nor
    /// stopped on SIGTERM, its one frame never done).
    /// </summary>
    [Fact]
    public void The_library_refuses_a_NaN_setting()
    {
        Assert.Throws<VideoAffectException>(() => new Detection.DetectorOptions { ScaleFactor = double.NaN }.Validate());
        Assert.Throws<VideoAffectException>(() => new Detection.DetectorOptions { ScaleFactor = double.PositiveInfinity }.Validate());
        Assert.Throws<VideoAffectException>(() => new Detection.DetectorOptions { ScaleFactor = 1.0000001 }.Validate()); // millions of sizes per frame
        new Detection.DetectorOptions { ScaleFactor = 1.001 }.Validate();
        Assert.Throws<VideoAffectException>(() => new Tracking.TrackerOptions { MinIou = double.NaN }.Validate());
        Assert.Throws<VideoAffectException>(() => new Tracking.ProbabilitySmoother(double.NaN));
        Assert.Throws<VideoAffectException>(() => new RecognitionOptions { SmoothingAlpha = double.NaN }.Validate());
        Assert.Throws<VideoAffectException>(() => new Preprocessing.FacePreprocessor(new Engine.TensorShape(48, 48, 1), double.NaN));
    }

    /// <summary>
    /// monitor's folders that cannot be made or written (under /proc here) are one line at the start,
    /// exit code 2, as is a stream named with no source after its '=' (before 0.19 an unexpected
    /// failure, and a stream that failed after the monitor had started).
    /// </summary>
    [Theory]
    [InlineData("--records", "cannot write the records folder '/proc/videoaffect-none'")]
    [InlineData("--record", "cannot write the recordings folder '/proc/videoaffect-none'")]
    [InlineData("--faces", "cannot write the faces folder '/proc/videoaffect-none'")]
    public void A_monitor_folder_that_cannot_be_written_is_one_line_at_the_start(string option, string message)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 15, fps: 15, audio: false);
        var run = ProcessRunner.Cli(["monitor", $"cam={clip}", "--backend", "cpu", option, "/proc/videoaffect-none"], timeoutSeconds: 60);
        Assert.Equal(2, run.ExitCode);
        AssertCleanFailure(run, message);
        Assert.DoesNotContain("monitoring", run.StandardError); // refused before any stream started
    }

    /// <summary>
    /// A stream named with no source, a negative webcam and an HTTP address that is not this
    /// machine's (192.0.2.1, TEST-NET-1) are one line and exit code 2 before any camera starts;
    /// before 0.19 the first was a failed stream, the last an unexpected failure (a SocketException).
    /// </summary>
    [Theory]
    [InlineData("cam=", "videoaffect: error: stream 'cam' has no source (NAME=SOURCE, or a stream's source in --config)")]
    [InlineData("--webcam|-1", "videoaffect: usage: --webcam takes a device number, 0 or more (got '-1'); see 'videoaffect monitor --help'")]
    [InlineData("cam=/dev/null|--faces-keep|7d", "videoaffect: error: --faces-keep limits the faces of --faces DIR; give --faces too")]
    [InlineData("cam=/dev/null|--http|192.0.2.1:8080", "videoaffect: error: cannot serve HTTP on 192.0.2.1:8080: Cannot assign requested address (it is not an address of this machine; 0.0.0.0 takes them all)")]
    public void A_monitor_set_up_wrong_is_refused_before_it_starts(string arguments, string line)
    {
        var run = ProcessRunner.Cli(["monitor", .. arguments.Split('|'), "--backend", "cpu"], timeoutSeconds: 30);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(line, run.StandardError.Trim());
    }

    [Fact]
    public void An_unknown_encoder_preset_is_named_with_the_choices()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 3, audio: false);
        AssertCleanFailure(Analyze(dir, clip, "--encoder-preset", "turbo"), "unknown --encoder-preset 'turbo'; choose one of: ultrafast");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public void A_folder_without_videos_as_input_is_named_as_such()
    {
        // A folder stands for the videos in it (AnalyzeSeveralInputsTests); named like a video, with none inside.
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("clips.mp4"));
        AssertCleanFailure(Analyze(dir, dir.File("clips.mp4")), $"folder '{dir.File("clips.mp4")}' holds no video files");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public void A_pipe_a_device_and_an_empty_standard_input_are_named_for_what_they_are_not_read_half()
    {
        // A pipe would be half consumed by the probe before the decoder opened it (`analyze <(curl ...)`
        // said "Invalid data"), a FIFO nobody writes to would hang the probe, and a device is no recording.
        using var dir = TestPaths.NewTempFolder();
        ProcessRunner.Tool("mkfifo", dir.File("stream.mp4"));
        AssertCleanFailure(Analyze(dir, dir.File("stream.mp4")), $"input '{dir.File("stream.mp4")}' is a named pipe (FIFO), not a video file: a video file is opened more than once");
        AssertCleanFailure(Analyze(dir, "/dev/zero"), "input '/dev/zero' is a character device, not a video file; a webcam is watched with videoaffect monitor");
        // Standard input is kept in a file first (`analyze -`): here it is empty.
        AssertCleanFailure(Analyze(dir, "-"), "standard input ('-') held no video: it was empty");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public void Empty_file()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllBytes(dir.File("empty.mp4"), []);
        AssertCleanFailure(Analyze(dir, dir.File("empty.mp4")), "is empty");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public void Text_file_named_mp4()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("notes.mp4"), "these are not the frames you are looking for\n");
        // ffmpeg's own last line ("/tmp/.../notes.mp4: Invalid data found when processing input") named
        // the file twice and said nothing; its demuxer's line before it says what is missing.
        AssertCleanFailure(Analyze(dir, dir.File("notes.mp4")), $"'{dir.File("notes.mp4")}' is not a readable video (it has no MP4/MOV index (moov atom): a recording cut off before it was finished, or not a video at all)");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public void Audio_only_file()
    {
        using var dir = TestPaths.NewTempFolder();
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine", "-t", "1", dir.File("tone.m4a"));
        AssertCleanFailure(Analyze(dir, dir.File("tone.m4a")), "has no video stream");
    }

    [Fact]
    public void Truncated_mp4_without_its_index()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 30);
        var bytes = File.ReadAllBytes(clip);
        File.WriteAllBytes(dir.File("cut.mp4"), bytes[..(bytes.Length / 2)]); // the moov index is at the end
        AssertCleanFailure(Analyze(dir, dir.File("cut.mp4")), "is not a readable video (it has no MP4/MOV index (moov atom): a recording cut off");
        AssertNoCompleteOutputs(dir);
    }

    [Fact]
    public async Task What_is_wrong_with_a_file_ffprobe_refuses_is_its_demuxers_reason_once()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("notes.mkv"), "these are not the frames you are looking for\n");
        var e = await Assert.ThrowsAsync<VideoAffectException>(() => VideoProbe.ProbeAsync(dir.File("notes.mkv"), CancellationToken.None));
        Assert.Equal($"'{dir.File("notes.mkv")}' is not a readable video (matroska,webm: EBML header parsing failed)", e.Message);
        // (Only that generic line is replaced: a server's 404 keeps its own words, UrlInputTests.)
        // A demuxer's own error line is said without ffmpeg's "[concat @ 0x55...]" prefix.
        File.WriteAllText(dir.File("list.ffconcat"), "ffconcat version 1.0\nfile /etc/passwd\n");
        e = await Assert.ThrowsAsync<VideoAffectException>(() => VideoProbe.ProbeAsync(dir.File("list.ffconcat"), CancellationToken.None));
        Assert.Equal($"'{dir.File("list.ffconcat")}' is not a readable video (concat: Unsafe file name '/etc/passwd')", e.Message);
    }

    [Fact]
    public async Task Matroska_cut_short_is_truncated_as_an_mp4_is_and_its_decoded_part_kept_as_partial()
    {
        // OBS and browsers record Matroska/WebM, which a crash or a stopped download cuts anywhere:
        // ffmpeg decodes up to the cut and exits 0, saying "File ended prematurely" (before 0.26.5 the
        // run completed as if the video ended there; one cut before its first frame failed "after 0
        // frames (Error marking filters as finished)").
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 60, audio: false);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", dir.File("whole.mkv"));
        var bytes = File.ReadAllBytes(dir.File("whole.mkv"));
        File.WriteAllBytes(dir.File("cut.mkv"), bytes[..(bytes.Length * 2 / 3)]);
        // What ffprobe decodes of it: how many frames, and the last one's time.
        var times = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", dir.File("cut.mkv"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int readable = times.Length;
        Assert.InRange(readable, 1, 59);
        double last = double.Parse(times[^1], System.Globalization.CultureInfo.InvariantCulture);
        AssertCleanFailure(Analyze(dir, dir.File("cut.mkv")),
            FormattableString.Invariant($"'{dir.File("cut.mkv")}' is truncated: its video ends at {last:0.###} s, after {readable} frames"));
        AssertNoCompleteOutputs(dir);
        Assert.Equal(readable, Clips.CountFrames(dir.File("out.partial.mp4")));
        // Cut inside its first cluster: the header says what the streams are, no frame follows.
        int cluster = bytes.AsSpan().IndexOf(new byte[] { 0x1F, 0x43, 0xB6, 0x75 }); // the first Cluster's ID
        Assert.True(cluster > 0);
        File.WriteAllBytes(dir.File("head.mkv"), bytes[..(cluster + 24)]); // its size, timestamp and a block's start: no whole frame
        var e = await Assert.ThrowsAsync<VideoAffectException>(() => DecodedFrames.ReadAsync(dir.File("head.mkv")));
        Assert.Equal($"'{dir.File("head.mkv")}' is truncated: it ends before its first video frame", e.Message);
        // Played as cameras: the one cut before its first frame fails at once (it was reconnected to
        // with a growing back-off, "Error marking filters as finished", until the monitor stopped);
        // the other plays up to its cut and ends, saying it is cut.
        var monitor = ProcessRunner.Cli(["monitor", $"head={dir.File("head.mkv")}", $"cut={dir.File("cut.mkv")}", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(1, monitor.ExitCode);
        Assert.Single(monitor.StandardError.Split('\n'), l => l.EndsWith($"head: source failed: '{dir.File("head.mkv")}' is truncated: it ends before its first video frame", StringComparison.Ordinal));
        Assert.DoesNotContain("reconnecting", monitor.StandardError);
        Assert.Contains($"cut: '{dir.File("cut.mkv")}' is truncated: its video ended after {readable} frames", monitor.StandardError);
        Assert.EndsWith("videoaffect: error: head: failed or never delivered a frame", monitor.StandardError.Trim());
    }

    [Fact]
    public void Truncated_mp4_with_its_index_first_keeps_the_decoded_part_as_partial()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 60, audio: false);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-movflags", "+faststart", dir.File("fast.mp4"));
        var bytes = File.ReadAllBytes(dir.File("fast.mp4"));
        File.WriteAllBytes(dir.File("cut.mp4"), bytes[..(bytes.Length * 2 / 3)]);
        var r = Analyze(dir, dir.File("cut.mp4"));
        AssertCleanFailure(r, "is truncated");
        AssertNoCompleteOutputs(dir);
        int kept = Clips.CountFrames(dir.File("out.partial.mp4"));
        Assert.InRange(kept, 1, 59);
    }

    [SkippableFact]
    public void Read_only_output_folder()
    {
        using var dir = TestPaths.NewTempFolder();
        using var readOnly = Mount.ReadOnly(dir.File("ro"));
        var r = ProcessRunner.Cli(["analyze", TestPaths.SampleClip, "-o", dir.File("ro/out.mp4")], timeoutSeconds: 60);
        AssertCleanFailure(r, "Read-only file system");
    }

    [SkippableFact]
    public void Disk_full_while_writing_keeps_a_clear_error_and_no_complete_output()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), 90, audio: false);
        using var tiny = Mount.Tiny(dir.File("full"), 24); // room for the start of the records and video, not for all
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("full/out.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        AssertCleanFailure(r, "No space left on device");
        Assert.False(File.Exists(dir.File("full/out.mp4")));
        Assert.False(File.Exists(dir.File("full/out.jsonl")));
    }

    [Fact]
    public void Output_folder_that_does_not_exist()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["analyze", TestPaths.SampleClip, "-o", dir.File("missing/out.mp4")], timeoutSeconds: 60);
        AssertCleanFailure(r, "does not exist");
        Assert.False(Directory.Exists(dir.File("missing")));
    }

    [Fact]
    public void Missing_system_packages_are_named_one_line_each_with_their_Debian_package()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), 5, fps: 15, audio: false);
        // A PATH without ffmpeg (the dotnet host is found by the parent's PATH).
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4")], new Dictionary<string, string> { ["PATH"] = dir.Path });
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("videoaffect: error: ffmpeg and ffprobe are not installed (Debian package: ffmpeg)", r.StandardError.Trim());
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }

    [Fact]
    public void Model_not_installed()
    {
        using var dir = TestPaths.NewTempFolder();
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png")],
            new Dictionary<string, string> { ["VIDEOAFFECT_MODEL_DIR"] = dir.Path });
        AssertCleanFailure(r, "run `videoaffect models fetch`");
    }

    [Fact]
    public void Corrupt_model_file_fails_its_checksum()
    {
        using var dir = TestPaths.NewTempFolder();
        File.Copy(Path.Combine(TestPaths.ModelDirectory, "emotion.json"), dir.File("emotion.json"));
        var weights = File.ReadAllBytes(Path.Combine(TestPaths.ModelDirectory, "emotion.bin"));
        weights[1000] ^= 0xFF;
        File.WriteAllBytes(dir.File("emotion.bin"), weights);
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png")],
            new Dictionary<string, string> { ["VIDEOAFFECT_MODEL_DIR"] = dir.Path });
        AssertCleanFailure(r, "is not the expected model file");
    }

    [Fact]
    public void Unknown_backend()
    {
        var r = ProcessRunner.Cli(["classify", "--backend", "tpu", TestPaths.Photo("astronaut.png")]);
        AssertCleanFailure(r, "unknown backend 'tpu'");
    }

    [Fact]
    public void Image_that_is_not_an_image()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("face.png"), "not a png");
        AssertCleanFailure(ProcessRunner.Cli(["classify", dir.File("face.png")]), "is not an image");
    }
}
