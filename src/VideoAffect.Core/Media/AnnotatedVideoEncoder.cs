using System.Globalization;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Encodes the frames of a channel to one video in the container its name asks for
/// (<see cref="VideoContainer"/>: H.264 in MP4 unless it ends in .mov or .mkv; VP9 in .webm), fed through
/// <see cref="TimedFramePipe"/> so every frame keeps the source's own time (variable frame rates
/// stay variable) in the source's time base, and carries on from the source, aligned by the same
/// origin, what a player shows with the picture: its audio tracks, its chapters, its subtitle tracks
/// (converted to a format the container holds; see <see cref="VideoContainer.SubtitleCodecFor"/>;
/// in Matroska with the files attached to the source, such as the fonts of its ASS subtitles),
/// its cover pictures (<see cref="CoverPicture"/>, where the container holds them: <see cref="VideoContainer.Holds"/>)
/// and its tags (title, creation time, place; from the probe: <see cref="SourceMetadata"/>), unless
/// <paramref name="keepTags"/> is false (nor its cover pictures then, which may show a face). A
/// run that ends early still gets a playable file whose audio, subtitles and chapters end with its video.
/// </summary>
internal sealed class AnnotatedVideoEncoder(VideoInfo source, string outputPath, bool keepAudio = true, string preset = AnnotatedVideoEncoder.DefaultPreset, bool keepTags = true,
    int? crf = null) : IFrameSink
{
    /// <summary>x264's speed/size trade-off; see the README for what each costs here.</summary>
    public const string DefaultPreset = "veryfast";
    public static readonly IReadOnlyList<string> Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public long FramesEncoded => _pipe?.Frames ?? 0;

    /// <summary>How far before a part's start the audio is read from: more than any audio frame and any keyframe distance an audio demuxer seeks by.</summary>
    const double AudioSeekMargin = 5;
    TimedFramePipe? _pipe;
    readonly VideoContainer _container = VideoContainer.For(outputPath);
    /// <summary>Whether MP4 and MOV write their tags as QuickTime's keyed list (<see cref="SourceMetadata.HasKeyedTags"/>).</summary>
    readonly bool _keyedTags = SourceReadable(source) && SourceMetadata.HasKeyedTags(source, keepTags);

    /// <summary>
    /// Whether ffmpeg may take streams, tags and chapters from the source: not an animated WebP
    /// (libwebp's to read) nor an image sequence (pictures carry none of them).
    /// </summary>
    static bool SourceReadable(VideoInfo source) => source.Animation is null && !ImageSequence.IsPattern(source.Path);

    /// <summary>
    /// The source's subtitle tracks the annotated video gets, each with its codec there; a part
    /// (--start, --end) takes text tracks only, as they are cut here (<see cref="SubtitlePart"/>),
    /// and none of a URL's, as cutting them means reading the whole video (a download of all of it
    /// for a minute of it).
    /// </summary>
    static IReadOnlyList<(SubtitleTrack Track, string Codec)> KeptSubtitles(VideoInfo source, VideoContainer container) =>
        !SourceReadable(source) ? []
            : source.Subtitles
                .Where(t => source.Range.IsWhole || (t.IsText && !MediaLocation.IsUrl(source.Path)))
                .Select(t => (Track: t, Codec: container.SubtitleCodecFor(t, fromText: !source.Range.IsWhole)))
                .Where(t => t.Codec is not null)
                .Select(t => (t.Track, t.Codec!)).ToList();

    /// <summary>The source's cover pictures the annotated video gets: none unless its tags go on too (a cover may show a face that --anonymize hides).</summary>
    static IReadOnlyList<CoverPicture> KeptCovers(VideoInfo source, VideoContainer container, bool keepTags) =>
        !SourceReadable(source) || !keepTags ? [] : source.Covers.Where(container.Holds).ToList();

    /// <summary>
    /// ", a cover picture" for the run's first line, or ", a cover picture left out: ..." where the
    /// annotated video at <paramref name="outputPath"/> cannot carry it; empty when the source has none.
    /// </summary>
    public static string Covers(VideoInfo source, string outputPath, bool keepTags)
    {
        if (source.Covers.Count == 0) return "";
        var container = VideoContainer.For(outputPath);
        var kept = KeptCovers(source, container, keepTags).ToHashSet();
        string Reason(CoverPicture cover) =>
            !keepTags ? "--anonymize passes on none of the source's tags and pictures"
            : container.Muxer == "mp4" && VideoContainer.For("any.mkv").Holds(cover) ? $"an MP4 cover is JPEG, PNG or BMP, not {cover.Codec} (.mkv holds it)"
            : container.Muxer is "mp4" or "matroska" ? $"{cover.Codec} is not a picture format VideoAffect carries"
            : $"{Path.GetExtension(outputPath)} cannot hold cover pictures (.mp4 and .mkv can)";
        string Count(int n, string one) => n == 1 ? one : $"{n} cover pictures";
        string keptText = kept.Count == 0 ? "" : ", " + Count(kept.Count, "a cover picture");
        // One clause for each reason: ", 2 cover pictures left out: .mov cannot hold cover pictures (.mp4 and .mkv can)".
        var leftOut = source.Covers.Where(c => !kept.Contains(c)).GroupBy(Reason)
            .Select(g => $", {Count(g.Count(), source.Covers.Count == 1 ? "a cover picture" : $"cover picture {source.Covers.ToList().IndexOf(g.First()) + 1} ({g.First().Codec})")} left out: {g.Key}");
        return keptText + string.Concat(leftOut);
    }

    /// <summary>
    /// ", subtitle track 2 (hdmv_pgs_subtitle, eng) left out: ..." for the run's first line, one
    /// clause for each of the source's subtitle tracks the annotated video at <paramref name="outputPath"/> cannot carry; empty if none.
    /// </summary>
    public static string LeftOutSubtitles(VideoInfo source, string outputPath)
    {
        var container = VideoContainer.For(outputPath);
        var kept = KeptSubtitles(source, container).Select(k => k.Track).ToHashSet();
        var reasons = source.Subtitles.Where(t => !kept.Contains(t)).Select(t =>
            $", {t.Shown} left out: " + (
                !t.IsText && !t.IsPicture ? "not a subtitle format VideoAffect carries"
                : !source.Range.IsWhole && t.IsPicture ? "picture subtitles are carried for a whole video only, not for a part"
                : !source.Range.IsWhole && MediaLocation.IsUrl(source.Path) ? "a part of a video at a URL gets no subtitles (cutting them means downloading the whole video)"
                : $"{Path.GetExtension(outputPath)} cannot hold them{(VideoContainer.For("any.mkv").SubtitleCodecFor(t) is null ? "" : " (.mkv can)")}"));
        return string.Concat(reasons);
    }

    public async Task RunAsync(ChannelReader<VideoFrame> input)
    {
        // Each frame at its own time in the source, measured from the source's start, or from the
        // start of the part that is analysed (--start): its annotated video then starts at 0.
        var range = source.Range;
        double origin = range.From(source);
        var pipe = _pipe = new TimedFramePipe(input, source.Width, source.Height, 1 / source.FrameRate, frame => frame.Timestamp - origin);
        var subtitles = KeptSubtitles(source, _container);
        bool withAudio = keepAudio && source.HasAudio && SourceReadable(source);
        bool withAttachments = _container.Attachments && source.Attachments > 0 && SourceReadable(source);
        var covers = KeptCovers(source, _container, keepTags);
        // MP4 copies its covers from the source; Matroska attaches them as files, written out first.
        bool coverStreams = covers.Count > 0 && !_container.Attachments;
        var coverFiles = coverStreams ? [] : covers.Select((c, k) => (Cover: c, Name: c.AttachmentFileName(k)))
            .Select(c => (c.Cover, File: FfmpegProcesses.ScratchFile(Path.GetExtension(c.Name)), c.Name)).ToList();
        // The source is opened beside the frames only for streams taken from it: ffmpeg reads an
        // input none of whose streams is taken to its end (see SourceMetadata), so its tags and
        // chapters come from the probe instead.
        bool opened = withAudio || withAttachments || coverStreams || (range.IsWhole && subtitles.Count > 0);
        // A part's subtitle tracks, cut and timed from its start, each in a scratch file of the run's.
        var partFiles = range.IsWhole ? [] : subtitles.Select(_ => FfmpegProcesses.ScratchFile(".ass")).ToList();
        string? metadata = SourceReadable(source) ? SourceMetadata.Text(source, origin, range.To(source), keepTags) : null;
        string? metadataFile = metadata is null ? null : FfmpegProcesses.ScratchFile(".ffmeta");
        int sourceInput = 1, firstPartInput = opened ? 2 : 1, metadataInput = firstPartInput + partFiles.Count;
        try
        {
            for (int k = 0; k < partFiles.Count; k++)
                await SubtitlePart.WriteAsync(source.Path, subtitles[k].Track, origin, range.To(source), partFiles[k]);
            if (metadataFile is not null) await File.WriteAllTextAsync(metadataFile, metadata, new System.Text.UTF8Encoding(false));
            foreach (var (cover, file, _) in coverFiles) await cover.WriteAsync(source.Path, file);
            var arguments = FFMpegArguments.FromPipeInput(pipe);
            // The source keeps its timestamps (-copyts), moved by the frames' origin. For a part, the
            // audio is read from a little before its start (a seek's inaccuracy moves nothing, as
            // times are kept) and cut to it by its own times (atrim), to the sample.
            string audioSeek = range.Start > 0 ? $" -ss {PlayRange.Argument(Math.Max(0, range.Start - AudioSeekMargin))} -noaccurate_seek" : "";
            if (opened) arguments = arguments.AddFileInput(FfmpegPath.Escape(source.Path), verifyExists: false,
                o => o.WithCustomArgument($"{MediaLocation.InputOptions(source.Path)}{audioSeek} -itsoffset {PlayRange.Argument(-origin)}"));
            foreach (string file in partFiles) arguments = arguments.AddFileInput(FfmpegPath.Escape(file), verifyExists: false);
            if (metadataFile is not null) arguments = arguments.AddFileInput(FfmpegPath.Escape(metadataFile), verifyExists: false, o => o.ForceFormat("ffmetadata"));
            var result = await arguments
                .OutputToFile(FfmpegPath.Escape(outputPath), overwrite: true, o =>
                {
                    // The source's time base for the encoder and the MP4 track: its frame times then survive exactly.
                    string timescale = source.TimeBase.Split('/')[^1];
                    o.WithCustomArgument($"-copyts -map 0:v:0 -fps_mode passthrough -enc_time_base {source.TimeBase} -video_track_timescale {timescale}");
                    // Every audio track (languages, commentary), each keeping its language and default mark.
                    if (withAudio) o.WithCustomArgument($"-map {sourceInput}:a -c:a {_container.AudioEncoder}");
                    string? trim = range.IsWhole ? null : $"atrim=start=0{(range.End is { } end ? $":end={PlayRange.Argument(end - range.Start)}" : "")}";
                    string audioFilters = string.Join(',', new[] { _container.AudioFilter, trim }.OfType<string>());
                    if (withAudio && audioFilters.Length > 0) o.WithCustomArgument($"-af {audioFilters}");
                    // The tags and chapters (timed as the frames are) of the metadata file; none else,
                    // so that ffmpeg does not take the source's own chapters at their source times.
                    o.WithCustomArgument(metadataFile is not null ? $"-map_metadata {metadataInput} -map_chapters {metadataInput}" : "-map_chapters -1");
                    for (int k = 0; k < subtitles.Count; k++)
                        o.WithCustomArgument(SubtitleArguments(k, subtitles[k].Track, subtitles[k].Codec,
                            range.IsWhole ? $"{sourceInput}:s:{subtitles[k].Track.Number.ToString(CultureInfo.InvariantCulture)}" : $"{firstPartInput + k}:s:0"));
                    if (withAttachments) o.WithCustomArgument($"-map {sourceInput}:t? -c:t copy");
                    _container.EncodeVideo(o, preset, source.Colour, crf);
                    // After the encoder's settings, which name every video stream (-c:v): a later
                    // option for one stream is the one ffmpeg takes for it.
                    for (int k = 0; coverStreams && k < covers.Count; k++)
                    {
                        string n = (k + 1).ToString(CultureInfo.InvariantCulture);
                        o.WithCustomArgument($"-map {sourceInput}:v:{covers[k].Number.ToString(CultureInfo.InvariantCulture)} -c:v:{n} copy -disposition:v:{n} attached_pic");
                    }
                    o.WithCustomArgument(Attach(coverFiles, withAttachments ? source.Attachments : 0));
                    Finish(o);
                })
                .WithLogLevel(FFMpegLogLevel.Error)
                .RunAsync();
            if (!result.Success)
                throw new VideoAffectException($"encoding '{outputPath}' failed ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
            // What came with the frames may run past the last frame written (audio, subtitles,
            // chapters): a run that stopped early, or a part whose end lies past the video's.
            bool more = opened || partFiles.Count > 0 || metadataFile is not null;
            if (more && (pipe.EndedEarly || range.End is not null) && pipe.VideoEnd is { } videoEnd)
                await CutToVideoAsync(videoEnd, coverFiles, withAttachments ? source.Attachments : 0);
        }
        finally
        {
            foreach (string file in partFiles) File.Delete(file);
            if (metadataFile is not null) File.Delete(metadataFile);
            foreach (var (_, file, _) in coverFiles) File.Delete(file);
        }
    }

    /// <summary>
    /// ffmpeg's arguments attaching the cover files to a Matroska output, each with the name and
    /// type players look for; <paramref name="before"/> attachments come before them (the source's
    /// own files, mapped), as ffmpeg numbers the attached files after every mapped stream.
    /// </summary>
    static string Attach(IReadOnlyList<(CoverPicture Cover, string File, string Name)> files, int before) =>
        string.Join(' ', files.Select((f, k) =>
        {
            string t = (before + k).ToString(CultureInfo.InvariantCulture);
            return $"-attach {FfmpegPath.Quoted(FfmpegPath.Local(f.File))} -metadata:s:t:{t} mimetype={FfmpegPath.Quoted(f.Cover.AttachmentMimeType)} -metadata:s:t:{t} filename={FfmpegPath.Quoted(f.Name)}";
        }));

    /// <summary>
    /// The output's subtitle stream <paramref name="k"/>, from <paramref name="stream"/>: the
    /// source's track as it is (a whole video), or a part's cut file, which carries none of the
    /// track's own tags and marks, so they are set from the probe.
    /// </summary>
    string SubtitleArguments(int k, SubtitleTrack track, string codec, string stream)
    {
        string n = k.ToString(CultureInfo.InvariantCulture);
        string map = $"-map {stream}";
        string arguments = $"{map} -c:s:{n} {codec}";
        if (source.Range.IsWhole) return arguments;
        if (track.Language is { Length: > 0 } language) arguments += $" -metadata:s:s:{n} language={FfmpegPath.Quoted(language)}";
        if (track.Title is { Length: > 0 } title) arguments += $" -metadata:s:s:{n} title={FfmpegPath.Quoted(title)}";
        string marks = string.Join('+', new[] { track.Default ? "default" : null, track.Forced ? "forced" : null }.OfType<string>());
        return arguments + $" -disposition:s:{n} {(marks.Length > 0 ? marks : "0")}";
    }

    /// <summary>
    /// A run that stopped early has video up to where it stopped but the source's whole audio,
    /// subtitles and chapters (a part with an end, its chapters): remux (no re-encoding) so that
    /// they end with the video. ffmpeg's -shortest would cut complete runs too, and imprecisely (by
    /// a few hundred milliseconds). Its times are kept as they are (-copyts): without it, ffmpeg
    /// would start the copy at 0, moving a Matroska or WebM file's every frame later by its audio
    /// encoder's priming (21 ms, 6.5 ms), off the records' times. Matroska's attached pictures read
    /// back as video streams (ffmpeg's attached pictures), which its muxer would write as video
    /// tracks: they are attached again from their files instead.
    /// </summary>
    async Task CutToVideoAsync(double videoEnd, IReadOnlyList<(CoverPicture Cover, string File, string Name)> coverFiles, int attachments)
    {
        string streams = coverFiles.Count == 0 ? "-map 0" : $"-map 0:V -map 0:a? -map 0:s? -map 0:t? {Attach(coverFiles, attachments)}";
        string cut = outputPath + ".cut" + Path.GetExtension(outputPath);
        var cutResult = await FFMpegArguments.FromFileInput(FfmpegPath.Escape(outputPath), verifyExists: false, o => o.WithCustomArgument("-copyts"))
            .OutputToFile(FfmpegPath.Escape(cut), overwrite: true, o => Finish(o
                .WithCustomArgument($"{streams} -c copy -t {videoEnd.ToString("R", CultureInfo.InvariantCulture)}")))
            .WithLogLevel(FFMpegLogLevel.Error)
            .RunAsync();
        if (cutResult.Success) File.Move(cut, outputPath, overwrite: true);
        else File.Delete(cut); // the uncut file is still whole and playable
    }

    /// <summary>The container and its muxer's settings (<see cref="VideoContainer"/>).</summary>
    FFMpegOutputOptions Finish(FFMpegOutputOptions o)
    {
        if (_container.FastStart) o = o.WithCustomArgument(_keyedTags ? "-movflags +faststart+use_metadata_tags" : "-movflags +faststart");
        if (_container.Arguments.Length > 0) o = o.WithCustomArgument(_container.Arguments);
        return o.ForceFormat(_container.Muxer);
    }
}
