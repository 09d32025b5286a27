using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>Reads a file's streams and format with ffprobe (as JSON) and chooses the video stream to analyse.</summary>
public static class VideoProbe
{
    /// <summary>The file's video stream as the pipeline needs it; a missing file, a file without video or an unreadable one is a one-line <see cref="VideoAffectException"/>.</summary>
    /// <param name="path">The video file, or an http(s)/ftp URL (<see cref="MediaLocation"/>).</param>
    /// <param name="token">Stops ffprobe.</param>
    /// <param name="streamIndex">the stream to analyse (ffprobe's index); null: the default video stream (see <see cref="Choose"/>)</param>
    public static Task<VideoInfo> ProbeAsync(string path, CancellationToken token, int? streamIndex = null) => ProbeAsync(path, token, streamIndex, null);

    /// <summary>The same, with an image sequence read at <paramref name="sequenceFrameRate"/> frames per second (ffmpeg's 25 when null).</summary>
    internal static async Task<VideoInfo> ProbeAsync(string path, CancellationToken token, int? streamIndex, double? sequenceFrameRate)
    {
        // A URL is ffprobe's to open (and its errors are ffprobe's); messages show it without secrets.
        string shown = MediaLocation.Shown(path);
        if (ImageSequence.IsPattern(path))
        {
            // A numbered image sequence (frames/img%05d.png): ffmpeg starts at the first of 0 to 4.
            if (ImageSequence.Start(path) is null)
                throw new VideoAffectException($"input '{path}' is neither a file nor an image sequence with a first frame ({ImageSequence.FileOf(path, 0)} to {ImageSequence.FileOf(path, 4)} do not exist)");
        }
        else if (!MediaLocation.IsUrl(path))
        {
            if (Directory.Exists(path)) throw new VideoAffectException($"input '{path}' is a folder, not a video file");
            if (path == "-")
                throw new VideoAffectException($"input '-': standard input cannot be analysed as it comes, as a video file is opened more than once (probed, decoded, its audio copied); keep it in a file first (the CLI's analyze - does)");
            if (!File.Exists(path)) throw new VideoAffectException(MediaLocation.NotAFile(path) ?? $"input '{path}' does not exist");
            // A pipe (`analyze <(curl ...)`, a FIFO) is consumed by the probe, so the decoder would
            // see the rest of it; a device is not a recording.
            var kind = Outputs.FileFacts.Of(path).Kind;
            if (kind == Outputs.FileKind.CharacterDevice)
                throw new VideoAffectException($"input '{path}' is {Outputs.FileFacts.Describe(kind)}, not a video file; a webcam is watched with videoaffect monitor");
            if (kind is not Outputs.FileKind.Regular and not Outputs.FileKind.Missing)
                throw new VideoAffectException($"input '{path}' is {Outputs.FileFacts.Describe(kind)}, not a video file: a video file is opened more than once (probed, decoded, its audio copied); pipe the stream into standard input instead ('-'), which is kept in a file");
            if (new FileInfo(path).Length == 0) throw new VideoAffectException($"input '{path}' is empty");
        }
        if (IsPhotoFfprobeMisreads(path)) throw new VideoAffectException(StillImage(shown, "a video"));
        // ffmpeg reads still WebP images only: an animated one is libwebp's to read.
        if (WebP.WebPAnimation.IsAnimatedFile(path)) return AnimatedWebP(path, shown, streamIndex);
        using var json = await RunAsync(path, shown, ["-show_format", "-show_streams", "-show_chapters"], token, sequenceFrameRate);
        var root = json.RootElement;
        var streams = root.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToList() : [];
        var video = Choose(shown, streams, streamIndex);
        var format = root.TryGetProperty("format", out var f) ? f : default;
        // ffmpeg's WebP reader sees an animated WebP's frames as one sizeless picture; a local one
        // was handed to libwebp above, so this is a URL (or a folder's pattern) of one.
        if (Text(video, "codec_name") == "webp" && Int(video, "width") == 0)
            throw new VideoAffectException($"'{shown}' is an animated WebP, which is read from a local file only (ffmpeg cannot decode one); save it to a file first");
        if (!ImageSequence.IsPattern(path) && await IsStillAsync(path, shown, Text(format, "format_name"), Int(video, "index"), token))
            throw new VideoAffectException(StillImage(shown, "a video"));
        var (width, height) = DisplayGeometry.Of(video);
        if (width <= 0 || height <= 0)
            throw new VideoAffectException($"'{shown}' has a video stream without a frame size (damaged or truncated file)");
        double fps = Rate(video, "avg_frame_rate") is > 0 and var avg ? avg : Rate(video, "r_frame_rate") is > 0 and var r ? r : 25;
        double duration = Seconds(video, "duration") is > 0 and var d ? d : Seconds(format, "duration") is > 0 and var fd ? fd : 0;
        double start = Seconds(format, "start_time") is var st && double.IsFinite(st) ? st : 0;
        long frames = Int(video, "nb_frames") is > 0 and var n ? n : (long)Math.Round(duration * fps);
        bool audio = streams.Any(x => Text(x, "codec_type") == "audio");
        string timeBase = Text(video, "time_base") is { Length: > 0 } tb && tb != "0/0" ? tb : "1/90000";
        // A stream that does not say how it is scanned (DV, MJPEG and MPEG-4 in AVI: their frames
        // say it) is asked about its first frame; a URL is not opened twice for it.
        bool? firstInterlaced = ScanLayout.FieldOrderUnknown(video) && !MediaLocation.IsUrl(path)
            ? await FirstFrameInterlacedAsync(path, shown, Int(video, "index"), token) : null;
        var filters = SourceFilters.Of(video, firstInterlaced);
        return new VideoInfo(path, Int(video, "index"), width, height, fps, TimeSpan.FromSeconds(duration), audio, start, timeBase, frames)
        {
            Filters = filters,
            Colour = OutputColour.Of(video, filters.Tone.Hdr),
            SequenceFrameRate = sequenceFrameRate,
            CreationTime = CreationTime(format) ?? CreationTime(video),
            Tags = Tags(format),
            Chapters = root.TryGetProperty("chapters", out var chapters) && chapters.ValueKind == JsonValueKind.Array
                ? chapters.EnumerateArray().Select(c => new SourceChapter(Seconds(c, "start_time"), Seconds(c, "end_time"), Tags(c))).Where(c => double.IsFinite(c.Start) && double.IsFinite(c.End)).ToList()
                : [],
            Attachments = streams.Count(x => Text(x, "codec_type") == "attachment"),
            // Numbered as ffmpeg's v:N numbers them: among all video streams, cover pictures counted.
            Covers = streams.Where(x => Text(x, "codec_type") == "video")
                .Select((x, number) => (Stream: x, Number: number))
                .Where(x => Flag(x.Stream, "attached_pic"))
                .Select(x => new CoverPicture(x.Number, Text(x.Stream, "codec_name") ?? "unknown", AnyCaseTag(x.Stream, "filename"), AnyCaseTag(x.Stream, "mimetype")))
                .ToList(),
            Subtitles = streams.Where(x => Text(x, "codec_type") == "subtitle")
                .Select((x, number) => new SubtitleTrack(number, Text(x, "codec_name") ?? "unknown", Tag(x, "language"), Tag(x, "title"), Flag(x, "default"), Flag(x, "forced")))
                .ToList(),
        };
    }

    /// <summary>An element's tags.creation_time as UTC; null without one, or with a zero written as a date (1970, 1904).</summary>
    static DateTime? CreationTime(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("tags", out var tags) && Text(tags, "creation_time") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1971
            ? time.UtcDateTime : null;

    /// <summary>
    /// An animated WebP as a video: its canvas, one stream (0), no audio, its frames at the times a
    /// browser shows them, in milliseconds, played once. libwebp opens it here already, so a file it
    /// cannot read (or a missing libwebp) is an error before any output is claimed.
    /// </summary>
    static VideoInfo AnimatedWebP(string path, string shown, int? streamIndex)
    {
        if (streamIndex is { } wanted && wanted != 0)
            throw new VideoAffectException($"'{shown}' has no video stream {wanted} (its video streams: 0)");
        var animation = WebP.WebPAnimation.Parse(File.ReadAllBytes(path))
            ?? throw new VideoAffectException($"'{shown}' is not a readable animated WebP (damaged or truncated file)");
        using (var decoder = new WebP.WebPAnimDecoder(path, shown))
            if (decoder.FrameCount != animation.DurationsMs.Count || decoder.Width != animation.CanvasWidth || decoder.Height != animation.CanvasHeight)
                throw new VideoAffectException($"'{shown}' is not a readable animated WebP (its chunks and libwebp disagree on its frames)");
        double seconds = animation.LengthMs / 1000.0;
        return new VideoInfo(path, 0, animation.CanvasWidth, animation.CanvasHeight, animation.DurationsMs.Count / seconds,
            TimeSpan.FromMilliseconds(animation.LengthMs), HasAudio: false, StartTime: 0, TimeBase: "1/1000", animation.DurationsMs.Count)
        {
            Animation = animation,
        };
    }

    /// <summary>The one line for a still picture where a video is wanted (`analyze`; `monitor`, which also takes cameras).</summary>
    internal static string StillImage(string shown, string wanted) =>
        $"'{shown}' is a still image, not {wanted}: 'videoaffect classify' finds and classifies the faces in photos";

    /// <summary>
    /// Whether a local file is one picture (a photo, a one-frame GIF or PNG) rather than a clip,
    /// for `monitor`, which would play its one frame and end with no face (a track is confirmed at
    /// its second detection). A file ffprobe cannot read is not called a picture: the player says
    /// what is wrong with it.
    /// </summary>
    internal static async Task<bool> IsStillImageFileAsync(string path, CancellationToken token)
    {
        if (IsPhotoFfprobeMisreads(path)) return true;
        if (WebP.WebPAnimation.IsAnimatedFile(path)) return false;
        try
        {
            using var json = await RunAsync(path, path, ["-select_streams", "v:0", "-show_entries", "format=format_name:stream=index"], token);
            var root = json.RootElement;
            var streams = root.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToList() : [];
            return streams.Count > 0 && root.TryGetProperty("format", out var format)
                && await IsStillAsync(path, path, Text(format, "format_name"), Int(streams[0], "index"), token);
        }
        catch (VideoAffectException) { return false; }
    }

    /// <summary>
    /// A local photo whose container ffprobe takes for a video's, or cannot read, known by its
    /// first bytes: a phone's HEIC or AVIF (ISO media files without a moov, which were "a recording
    /// cut off before it was finished"), a camera's CR3 (one with a moov, its picture in a codec
    /// ffmpeg lacks) or another camera RAW. A HEIF or AVIF image sequence is left to ffprobe.
    /// </summary>
    static bool IsPhotoFfprobeMisreads(string path)
    {
        try { return File.Exists(path) && Classification.ImageHeader.MagickPhotoOf(path) is { Sequence: false }; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; } // the reader says what is wrong
    }

    /// <summary>An image reader's file with fewer than two packets in its video stream (a local GIF or APNG whose blocks already say it is an animation needs no second look).</summary>
    static async Task<bool> IsStillAsync(string path, string shown, string? format, int stream, CancellationToken token) =>
        IsImageFormat(format) && !AnimatedImage.IsAnimatedFile(path) && await PacketsAsync(path, shown, stream, 2, token) < 2;

    /// <summary>
    /// ffmpeg's readers of image files: image2 (JPEG, and a single file of any image kind),
    /// NAME_pipe (PNG, WebP, BMP, TIFF...; also a raw MJPEG stream, which holds many pictures), GIF
    /// and APNG. Whether such a file is one picture or a clip is told by its packets.
    /// </summary>
    internal static bool IsImageFormat(string? format) =>
        format is "image2" or "gif" or "apng" || format?.EndsWith("_pipe", StringComparison.Ordinal) == true;

    /// <summary>The stream's packets, counted up to <paramref name="atMost"/> (nothing is decoded).</summary>
    static async Task<int> PacketsAsync(string path, string shown, int stream, int atMost, CancellationToken token)
    {
        using var json = await RunAsync(path, shown, ["-select_streams", stream.ToString(CultureInfo.InvariantCulture), "-read_intervals", $"%+#{atMost}", "-show_entries", "packet=pts"], token);
        return json.RootElement.TryGetProperty("packets", out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 0;
    }

    /// <summary>Whether the stream's first decoded frame is interlaced; null when ffprobe gives no frame (the decoder then says what is wrong).</summary>
    static async Task<bool?> FirstFrameInterlacedAsync(string path, string shown, int stream, CancellationToken token)
    {
        try
        {
            using var json = await RunAsync(path, shown, ["-select_streams", stream.ToString(CultureInfo.InvariantCulture), "-read_intervals", "%+#1", "-show_entries", "frame=interlaced_frame"], token);
            return json.RootElement.TryGetProperty("frames", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
                ? Int(list[0], "interlaced_frame") == 1 : null;
        }
        catch (VideoAffectException) { return null; }
    }

    /// <summary>
    /// The stream asked for, else the one players show: the first video stream marked default, else
    /// the first; cover art (attached pictures) is not video. The decoder maps this same stream.
    /// </summary>
    static JsonElement Choose(string path, List<JsonElement> streams, int? index)
    {
        var videos = streams.Where(x => Text(x, "codec_type") == "video" && !Flag(x, "attached_pic")).ToList();
        if (index is { } wanted)
            return videos.FirstOrDefault(x => Int(x, "index") == wanted) is { ValueKind: JsonValueKind.Object } chosen ? chosen
                : throw new VideoAffectException($"'{path}' has no video stream {wanted} (its video streams: {(videos.Count == 0 ? "none" : string.Join(", ", videos.Select(x => Int(x, "index"))))})");
        if (videos.Count == 0) throw new VideoAffectException($"'{path}' has no video stream");
        return videos.FirstOrDefault(x => Flag(x, "default")) is { ValueKind: JsonValueKind.Object } marked ? marked : videos[0];
    }

    static async Task<JsonDocument> RunAsync(string path, string shown, string[] show, CancellationToken token, double? sequenceFrameRate = null)
    {
        var start = new ProcessStartInfo(GlobalFFOptions.GetFFProbeBinaryPath())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-v", "error" }.Concat(MediaLocation.InputOptions(path, probe: true, sequenceFrameRate).Split(' ', StringSplitOptions.RemoveEmptyEntries)).Concat(show).Concat(["-of", "json", FfmpegPath.Local(path)]))
            start.ArgumentList.Add(a);
        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception) { throw new VideoAffectException("ffprobe is not installed; run ./setup.sh"); }
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try { await process.WaitForExitAsync(token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
        if (process.ExitCode != 0)
            throw new VideoAffectException($"'{shown}' is not a readable video ({FfmpegErrors.Reason(await errors)})");
        try { return JsonDocument.Parse(await output); }
        catch (JsonException) { throw new VideoAffectException($"'{shown}' is not a readable video (ffprobe said nothing useful)"); }
    }

    static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;

    static string? Tag(JsonElement e, string name) => e.TryGetProperty("tags", out var tags) ? Text(tags, name) : null;

    /// <summary>A tag whatever the case of its name: Matroska's attachments say "filename", its tracks' tags "FILENAME".</summary>
    static string? AnyCaseTag(JsonElement e, string name) =>
        e.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
            ? tags.EnumerateObject().FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase) && t.Value.ValueKind == JsonValueKind.String).Value is { ValueKind: JsonValueKind.String } value ? value.GetString() : null
            : null;

    /// <summary>An element's tags as ffprobe gives them (strings); empty without any.</summary>
    static IReadOnlyDictionary<string, string> Tags(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
            ? tags.EnumerateObject().Where(t => t.Value.ValueKind == JsonValueKind.String).ToDictionary(t => t.Name, t => t.Value.GetString()!)
            : new Dictionary<string, string>();

    static int Int(JsonElement e, string name) => int.TryParse(Text(e, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : 0;

    static double Seconds(JsonElement e, string name) =>
        double.TryParse(Text(e, name), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;

    /// <summary>"30000/1001" → 29.97; 0 for "0/0" or nothing.</summary>
    static double Rate(JsonElement e, string name)
    {
        var parts = (Text(e, name) ?? "").Split('/');
        return parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out double num)
            && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double den) && den > 0 && num > 0 ? num / den : 0;
    }

    static bool Flag(JsonElement stream, string name) =>
        stream.TryGetProperty("disposition", out var d) && d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.GetInt32() == 1;
}
