using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// What a player shows with the picture goes on into the annotated video: the source's subtitle
/// tracks (converted to the container's text format), its chapters and its tags (title, creation
/// time), for a whole video and for a part (--start, --end: lines and chapters cut to it and timed
/// from its start). The source is a Matroska file made by ffmpeg with two subtitle tracks (SubRip
/// in English, ASS in French with a title), a font attached, three chapters and two tags; everything is read back
/// with ffmpeg and ffprobe and compared with the source read the same way.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class CarriedTracksTests(CarriedTracksTests.Source source) : IClassFixture<CarriedTracksTests.Source>
{
    /// <summary>The 6 s source, made once.</summary>
    public sealed class Source : IDisposable
    {
        readonly TempFolder _dir = TestPaths.NewTempFolder();

        public Source()
        {
            string clip = Clips.MovingFace(_dir.File("clip.mp4"), frames: 90, fps: 15, audio: true);
            // Lines that start and end off the frame grid, some across the parts' edges below.
            File.WriteAllText(_dir.File("en.srt"), string.Concat(Enumerable.Range(0, 12).Select(i =>
                $"{i + 1}\n{SrtTime(0.1 + 0.5 * i)} --> {SrtTime(0.45 + 0.5 * i)}\nline {i}\n\n")));
            File.WriteAllText(_dir.File("fr.ass"), "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
                + "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
                + "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n[Events]\n"
                + "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
                + string.Concat(Enumerable.Range(0, 5).Select(i => $"Dialogue: 0,0:00:0{i + 1}.00,0:00:0{i + 1}.80,Default,,0,0,0,,mot {i}\n")));
            File.WriteAllText(_dir.File("chapters.txt"), ";FFMETADATA1\ntitle=Entretien\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Start\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Middle\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=4000\nEND=6000\ntitle=End\n");
            // A font the ASS track is drawn with, attached as Matroska attaches fonts (its bytes are not read).
            File.WriteAllBytes(_dir.File("Drawn.ttf"), Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
            Path = _dir.File("talk.mkv");
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-i", _dir.File("en.srt"), "-i", _dir.File("fr.ass"), "-i", _dir.File("chapters.txt"),
                "-map", "0", "-map", "1", "-map", "2", "-map_metadata", "3", "-map_chapters", "3", "-c:v", "copy", "-c:a", "copy", "-c:s:0", "srt", "-c:s:1", "ass",
                "-metadata", "creation_time=2026-05-04T03:02:01Z", "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra",
                "-metadata:s:s:1", "title=Français \"parlé\"", "-disposition:s:0", "default", "-disposition:s:1", "0",
                "-attach", _dir.File("Drawn.ttf"), "-metadata:s:t", "mimetype=application/x-truetype-font", Path);
        }

        public string Path { get; }

        public void Dispose() => _dir.Dispose();
    }

    [Theory]
    [InlineData(".mp4", "mov_text", "mov_text")]
    [InlineData(".mkv", "subrip", "ass")]
    [InlineData(".webm", "webvtt", "webvtt")]
    public void A_whole_video_keeps_its_subtitles_chapters_and_tags(string extension, string englishCodec, string frenchCodec)
    {
        using var dir = TestPaths.NewTempFolder();
        string output = dir.File("talk.annotated" + extension);
        var run = ProcessRunner.Cli(["analyze", source.Path, "-o", output, "--backend", "cpu", "--events", dir.File("talk.jsonl")]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("2 subtitle tracks;", run.StandardError);

        var tracks = SubtitleStreams(output);
        Assert.Equal([englishCodec, frenchCodec], tracks.Select(t => t.Codec));
        Assert.Equal(["eng", "fra"], tracks.Select(t => t.Language));
        if (extension != ".mp4") Assert.Equal("Français \"parlé\"", tracks[1].Title); // MP4 keeps no track titles
        Assert.True(tracks[0].Default, "the English track stays the default one");
        for (int n = 0; n < 2; n++) AssertSameCues(Cues(source.Path, n), Cues(output, n), tolerance: 0.002);

        var chapters = Chapters(output);
        Assert.Equal(["Start", "Middle", "End"], chapters.Select(c => c.Title));
        foreach (var (got, want) in chapters.Zip(Chapters(source.Path)))
            Assert.True(Math.Abs(got.Start - want.Start) < 0.002 && Math.Abs(got.End - want.End) < 0.002, $"chapter {got} where the source has {want}");

        // Matroska takes the attached font, byte for byte; MP4 and WebM hold no attachments.
        var attached = Probe(output, "-select_streams", "t", "-show_entries", "stream=index:stream_tags=filename").GetProperty("streams").EnumerateArray()
            .Select(s => Tag(s, "filename")).ToList();
        Assert.Equal(extension == ".mkv" ? ["Drawn.ttf"] : [], attached);
        if (extension == ".mkv")
        {
            using var dump = TestPaths.NewTempFolder();
            ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-dump_attachment:t", "", "-i", output], TimeSpan.FromSeconds(30), workingDirectory: dump.Path);
            Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), File.ReadAllBytes(dump.File("Drawn.ttf")));
        }

        var tags = FormatTags(output);
        Assert.Equal("Entretien", tags.GetValueOrDefault("title"));
        Assert.StartsWith("2026-05-04T03:02:01", tags.GetValueOrDefault("creation_time"));
    }

    [Theory]
    [InlineData(".mkv")]
    [InlineData(".mp4")]
    public void A_part_keeps_the_lines_and_chapters_within_it_timed_from_its_start(string extension)
    {
        const double start = 1.2, end = 3.7;
        using var dir = TestPaths.NewTempFolder();
        string output = dir.File("part" + extension);
        var run = ProcessRunner.Cli(["analyze", source.Path, "-o", output, "--backend", "cpu", "--start", "1.2", "--end", "3.7", "--events", dir.File("part.jsonl")]);
        Assert.True(run.ExitCode == 0, run.StandardError);

        // Each line that overlaps the part, cut to it and moved by its start (ASS's hundredths).
        for (int n = 0; n < 2; n++)
        {
            var expected = Cues(source.Path, n)
                .Where(c => c.End > start && c.Start < end)
                .Select(c => (Math.Max(c.Start, start) - start, Math.Min(c.End, end) - start, c.Text)).ToList();
            Assert.NotEmpty(expected);
            AssertSameCues(expected, Cues(output, n), tolerance: 0.006);
        }
        var tracks = SubtitleStreams(output);
        Assert.Equal(["eng", "fra"], tracks.Select(t => t.Language));
        if (extension == ".mkv") Assert.Equal("Français \"parlé\"", tracks[1].Title);
        Assert.True(tracks[0].Default && !tracks[1].Default, "each track keeps its default mark");

        // Start (0-2 s) and Middle (2-4 s) overlap 1.2-3.7 s; Middle ends with the part's video (2.5 s).
        var chapters = Chapters(output);
        Assert.Equal(["Start", "Middle"], chapters.Select(c => c.Title));
        Assert.True(Math.Abs(chapters[0].Start) < 0.002 && Math.Abs(chapters[1].Start - 0.8) < 0.002, string.Join(", ", chapters));
        Assert.True(Math.Abs(chapters[1].End - (end - start)) < 0.07, string.Join(", ", chapters));

        // The frames keep their times, measured from the part's start: the first is the source's
        // first at or after 1.2 s (a Matroska file's audio priming moves nothing).
        double sourceStart = FormatStart(source.Path);
        double first = Clips.FrameTimes(source.Path).OfType<double>().Where(t => t - sourceStart >= start - 1e-6).Min() - sourceStart - start;
        Assert.Equal(first, Clips.FrameTimes(output).OfType<double>().Min(), tolerance: 1e-3);
    }

    [Fact]
    public void A_silent_video_without_subtitles_keeps_its_tags_and_chapters_whole_and_in_part()
    {
        // Nothing of this source's streams goes on but its picture: its tags and chapters come
        // from the probe (ffmpeg would read the whole source again for them).
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 90, fps: 15, audio: false);
        File.WriteAllText(dir.File("chapters.txt"), ";FFMETADATA1\n"
            + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2500\ntitle=Arrivée\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=2500\nEND=6000\ntitle=Départ\n");
        string silent = dir.File("door.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-i", dir.File("chapters.txt"), "-map", "0", "-map_metadata", "1", "-map_chapters", "1",
            "-c", "copy", "-metadata", "creation_time=2026-03-02T01:00:00Z", "-metadata", "comment=Caméra = porte; nord\n#2 at C:\\cams", silent);
        var whole = ProcessRunner.Cli(["analyze", silent, "-o", dir.File("whole.mkv"), "--backend", "cpu", "--events", dir.File("whole.jsonl")]);
        Assert.True(whole.ExitCode == 0, whole.StandardError);
        var tags = FormatTags(dir.File("whole.mkv"));
        Assert.Equal("Caméra = porte; nord\n#2 at C:\\cams", tags.GetValueOrDefault("comment")); // every character FFMETADATA escapes
        Assert.StartsWith("2026-03-02T01:00:00", tags.GetValueOrDefault("creation_time"));
        Assert.Equal(Chapters(silent), Chapters(dir.File("whole.mkv")), (a, b) => a.Title == b.Title && Math.Abs(a.Start - b.Start) < 0.002 && Math.Abs(a.End - b.End) < 0.002);

        var part = ProcessRunner.Cli(["analyze", silent, "-o", dir.File("part.mp4"), "--backend", "cpu", "--start", "2", "--end", "4", "--events", dir.File("part.jsonl")]);
        Assert.True(part.ExitCode == 0, part.StandardError);
        var chapters = Chapters(dir.File("part.mp4"));
        Assert.Equal(["Arrivée", "Départ"], chapters.Select(c => c.Title));
        Assert.True(Math.Abs(chapters[0].Start) < 0.002 && Math.Abs(chapters[1].Start - 0.5) < 0.002 && Math.Abs(chapters[1].End - 2) < 0.07, string.Join(", ", chapters));
    }

    [Fact]
    public void An_anonymized_video_keeps_its_subtitles_and_chapters_but_not_its_tags()
    {
        using var dir = TestPaths.NewTempFolder();
        string output = dir.File("hidden.mp4");
        var run = ProcessRunner.Cli(["analyze", source.Path, "-o", output, "--backend", "cpu", "--anonymize", "blur", "--events", dir.File("hidden.jsonl")]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var tags = FormatTags(output);
        Assert.False(tags.ContainsKey("title") || tags.ContainsKey("creation_time"), string.Join(", ", tags));
        Assert.Equal(["eng", "fra"], SubtitleStreams(output).Select(t => t.Language)); // the tracks' own tags stay
        Assert.Equal(3, Chapters(output).Count);
    }

    /// <summary>An iPhone's keys, as its camera writes them (QuickTime's keyed list), with the place and creation date a photo library sorts by.</summary>
    static readonly Dictionary<string, string> PhoneKeys = new()
    {
        ["com.apple.quicktime.location.ISO6709"] = "+48.8584+002.2945+035.000/",
        ["com.apple.quicktime.make"] = "Apple",
        ["com.apple.quicktime.model"] = "iPhone 15",
        ["com.apple.quicktime.creationdate"] = "2026-11-30T10:00:00+0100",
    };

    [Theory]
    [InlineData(".mp4", false)]
    [InlineData(".mov", false)]
    [InlineData(".mp4", true)]
    public void A_phones_keyed_tags_go_on_into_MP4_and_MOV_whole_and_in_part(string extension, bool part)
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 30, fps: 15, audio: false);
        string phone = dir.File("IMG_0001.MOV");
        ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", clip, "-map", "0", "-c", "copy",
            .. PhoneKeys.SelectMany(k => new[] { "-metadata", $"{k.Key}={k.Value}" }), "-movflags", "use_metadata_tags", phone]);
        // (FormatTags gives the keys in lower case.)
        Assert.Equal(PhoneKeys.ToDictionary(t => t.Key.ToLowerInvariant(), t => t.Value), FormatTags(phone).Where(t => t.Key.StartsWith("com.", StringComparison.Ordinal)).ToDictionary());
        string output = dir.File("annotated" + extension);
        // A part ending before the video does is cut to its last frame by a second remux (CutToVideoAsync), which must keep them too.
        var run = ProcessRunner.Cli(["analyze", phone, "-o", output, "--backend", "cpu", "--events", dir.File("records.jsonl"), .. part ? new[] { "--end", "1" } : []]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var tags = FormatTags(output);
        foreach (var (key, value) in PhoneKeys) Assert.True(tags.GetValueOrDefault(key.ToLowerInvariant()) == value, $"{key} lost: {string.Join(", ", tags)}");
    }

    [Fact]
    public void Tags_without_keys_stay_in_the_atoms_every_player_reads()
    {
        // QuickTime's keyed list replaces a MOV's ©nam and ©xyz atoms, which older players and
        // tools read: a source without keyed tags keeps them.
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 15, fps: 15, audio: false);
        string camera = dir.File("camera.mov");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-map", "0", "-c", "copy", "-metadata", "title=Porte nord",
            "-metadata", "location=+48.8584+002.2945/", camera);
        string output = dir.File("annotated.mov");
        var run = ProcessRunner.Cli(["analyze", camera, "-o", output, "--backend", "cpu", "--events", dir.File("records.jsonl")]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        byte[] bytes = File.ReadAllBytes(output);
        Assert.True(Contains(bytes, [0xA9, (byte)'n', (byte)'a', (byte)'m']), "no \u00a9nam atom");
        Assert.True(Contains(bytes, [0xA9, (byte)'x', (byte)'y', (byte)'z']), "no \u00a9xyz atom");
        Assert.False(Contains(bytes, "mdta"u8.ToArray()), "the tags were written as QuickTime's keyed list");
        Assert.Equal("Porte nord", FormatTags(output).GetValueOrDefault("title"));
    }

    static bool Contains(byte[] bytes, byte[] part) => bytes.AsSpan().IndexOf(part) >= 0;

    [Theory]
    [InlineData("subrip", ".mp4", "mov_text")]
    [InlineData("ass", ".mov", "mov_text")]
    [InlineData("mov_text", ".mp4", "copy")]
    [InlineData("dvd_subtitle", ".mp4", null)]
    [InlineData("dvd_subtitle", ".mkv", "copy")]
    [InlineData("xsub", ".mkv", null)]
    [InlineData("hdmv_pgs_subtitle", ".mp4", null)]
    [InlineData("subrip", ".mkv", "copy")]
    [InlineData("ass", ".mkv", "copy")]
    [InlineData("mov_text", ".mkv", "srt")]
    [InlineData("microdvd", ".mkv", "srt")]
    [InlineData("hdmv_pgs_subtitle", ".mkv", "copy")]
    [InlineData("dvb_teletext", ".mkv", null)]
    [InlineData("webvtt", ".webm", "copy")]
    [InlineData("subrip", ".webm", "webvtt")]
    [InlineData("dvd_subtitle", ".webm", null)]
    public void Each_container_takes_a_subtitle_format_as_it_is_converted_or_not_at_all(string codec, string extension, string? expected) =>
        Assert.Equal(expected, VideoContainer.For("out" + extension).SubtitleCodecFor(Track(codec)));

    [Fact]
    public void A_part_converts_every_text_track_from_its_cut_lines()
    {
        Assert.Equal("srt", VideoContainer.For("out.mkv").SubtitleCodecFor(Track("subrip"), fromText: true));
        Assert.Equal("ass", VideoContainer.For("out.mkv").SubtitleCodecFor(Track("ass"), fromText: true));
        Assert.Equal("mov_text", VideoContainer.For("out.mp4").SubtitleCodecFor(Track("mov_text"), fromText: true));
    }

    [Fact]
    public void The_first_line_names_each_track_left_out_and_why()
    {
        var info = new VideoInfo("film.mkv", 0, 640, 480, 25, TimeSpan.FromSeconds(10), false, 0, "1/1000", 250)
        {
            Subtitles = [Track("subrip") with { Number = 0 }, Track("hdmv_pgs_subtitle") with { Number = 1, Language = "deu" }, Track("eia_608") with { Number = 2 },
                Track("xsub") with { Number = 3 }],
        };
        Assert.Equal(", subtitle track 2 (hdmv_pgs_subtitle, deu) left out: .mp4 cannot hold them (.mkv can)"
            + ", subtitle track 3 (eia_608) left out: not a subtitle format VideoAffect carries"
            + ", subtitle track 4 (xsub) left out: .mp4 cannot hold them",
            AnnotatedVideoEncoder.LeftOutSubtitles(info, "film.annotated.mp4"));
        Assert.Equal(", subtitle track 3 (eia_608) left out: not a subtitle format VideoAffect carries, subtitle track 4 (xsub) left out: .mkv cannot hold them",
            AnnotatedVideoEncoder.LeftOutSubtitles(info, "film.annotated.mkv"));
        var part = info with { Range = new PlayRange(2, null) };
        Assert.Contains("subtitle track 2 (hdmv_pgs_subtitle, deu) left out: picture subtitles are carried for a whole video only", AnnotatedVideoEncoder.LeftOutSubtitles(part, "film.annotated.mkv"));
        Assert.DoesNotContain("track 1", AnnotatedVideoEncoder.LeftOutSubtitles(part, "film.annotated.mkv"));
        var remotePart = part with { Path = "https://example.com/film.mkv" };
        Assert.Contains("subtitle track 1 (subrip) left out: a part of a video at a URL gets no subtitles", AnnotatedVideoEncoder.LeftOutSubtitles(remotePart, "film.annotated.mkv"));
    }

    [Fact]
    public void Cutting_lines_to_a_part_keeps_those_within_it_and_clips_those_across_its_edges()
    {
        const string header = "[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";
        string ass = header
            + "Dialogue: 0,0:00:01.00,0:00:01.90,Default,,0,0,0,,before\n"           // ends before the part
            + "Dialogue: 0,0:00:01.50,0:00:02.50,Default,,0,0,0,,across, the start\n" // clipped at 2 s
            + "Dialogue: 1,0:01:05.25,0:01:06.00,Top,,0,0,0,,{\\i1}inside{\\i0}\n"   // moved by 2 s
            + "Dialogue: 0,0:01:09.00,0:01:12.00,Default,,0,0,0,,across the end\n"   // clipped at 70 s
            + "Dialogue: 0,0:01:10.00,0:01:11.00,Default,,0,0,0,,after\n";           // starts at the end
        Assert.Equal(header
            + "Dialogue: 0,0:00:00.00,0:00:00.50,Default,,0,0,0,,across, the start\n"
            + "Dialogue: 1,0:01:03.25,0:01:04.00,Top,,0,0,0,,{\\i1}inside{\\i0}\n"
            + "Dialogue: 0,0:01:07.00,0:01:08.00,Default,,0,0,0,,across the end\n\n",
            SubtitlePart.Cut(ass + "\n", 2, 70));
    }

    static SubtitleTrack Track(string codec) => new(0, codec, null, null, false, false);

    static string SrtTime(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"hh\:mm\:ss\,fff", CultureInfo.InvariantCulture);

    /// <summary>A subtitle track's lines at the file's own times (-copyts), as ffmpeg reads them to SubRip.</summary>
    static List<(double Start, double End, string Text)> Cues(string path, int track)
    {
        string srt = ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path, "-map", $"0:s:{track}", "-f", "srt", "-");
        return Regex.Matches(srt.Replace("\r", ""), @"(\d+:\d+:\d+,\d+) --> (\d+:\d+:\d+,\d+)\n(.+)")
            .Select(m => (Time(m.Groups[1].Value), Time(m.Groups[2].Value), m.Groups[3].Value.Trim())).ToList();

        static double Time(string t) => TimeSpan.ParseExact(t, @"hh\:mm\:ss\,fff", CultureInfo.InvariantCulture).TotalSeconds;
    }

    static void AssertSameCues(List<(double Start, double End, string Text)> expected, List<(double Start, double End, string Text)> actual, double tolerance)
    {
        string Shown(IEnumerable<(double Start, double End, string Text)> cues) => string.Join("; ", cues.Select(c => FormattableString.Invariant($"{c.Start:0.###}-{c.End:0.###} {c.Text}")));
        Assert.True(expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.Text == p.Second.Text
            && Math.Abs(p.First.Start - p.Second.Start) <= tolerance && Math.Abs(p.First.End - p.Second.End) <= tolerance),
            $"expected {Shown(expected)}\nbut got  {Shown(actual)}");
    }

    sealed record SubtitleStream(string Codec, string? Language, string? Title, bool Default);

    static List<SubtitleStream> SubtitleStreams(string path) =>
        Probe(path, "-select_streams", "s", "-show_entries", "stream=codec_name:stream_tags=language,title:stream_disposition=default")
            .GetProperty("streams").EnumerateArray().Select(s => new SubtitleStream(
                s.GetProperty("codec_name").GetString()!,
                Tag(s, "language"), Tag(s, "title"),
                s.GetProperty("disposition").GetProperty("default").GetInt32() == 1)).ToList();

    sealed record Chapter(string Title, double Start, double End);

    static List<Chapter> Chapters(string path) =>
        Probe(path, "-show_chapters").GetProperty("chapters").EnumerateArray().Select(c => new Chapter(Tag(c, "title") ?? "",
            double.Parse(c.GetProperty("start_time").GetString()!, CultureInfo.InvariantCulture),
            double.Parse(c.GetProperty("end_time").GetString()!, CultureInfo.InvariantCulture))).ToList();

    static Dictionary<string, string> FormatTags(string path) =>
        Probe(path, "-show_entries", "format_tags").GetProperty("format").TryGetProperty("tags", out var tags)
            ? tags.EnumerateObject().ToDictionary(p => p.Name.ToLowerInvariant(), p => p.Value.GetString() ?? "") : [];

    static double FormatStart(string path) =>
        double.Parse(Probe(path, "-show_entries", "format=start_time").GetProperty("format").GetProperty("start_time").GetString()!, CultureInfo.InvariantCulture);

    static JsonElement Probe(string path, params string[] show) =>
        JsonDocument.Parse(ProcessRunner.Tool("ffprobe", ["-v", "error", .. show, "-of", "json", path])).RootElement;

    static string? Tag(JsonElement element, string name) =>
        element.TryGetProperty("tags", out var tags) && tags.TryGetProperty(name, out var v) ? v.GetString() : null;
}
