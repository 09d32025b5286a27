using System.Diagnostics;
using System.Threading.Channels;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Media;
using VideoAffect.Model;
using VideoAffect.Outputs;
using VideoAffect.Preprocessing;
using VideoAffect.Records;
using VideoAffect.Reports;
using VideoAffect.Sinks;
using VideoAffect.Tracking;

namespace VideoAffect.Pipeline;

/// <summary>
/// A recorded video in, an annotated video and per-face records out:
/// decode → detect → classify (batched) → annotate + records → encode, each stage a task joined to
/// the next by a bounded channel. Cancellation stops only the decoder; the frames already decoded
/// drain through every stage, so the outputs hold all of them and are closed properly. A failing
/// stage aborts the others; outputs keep their .partial names unless the run completes.
/// </summary>
public sealed class VideoAnalyzer(AnalyzeOptions options, Action<string>? log = null, EventSinks? sinks = null)
{
    readonly EventSinks _sinks = sinks ?? EventSinks.None;

    /// <summary>Frames decoded so far, for progress reports.</summary>
    public long FramesDecoded => _decoder?.FramesDecoded ?? 0;
    /// <summary>Whether the input has been opened and decoding started (a URL may take seconds to answer).</summary>
    internal bool Decoding => _decoder is not null;
    /// <summary>Frames expected in the input, when the container says.</summary>
    public long FramesExpected { get; private set; }
    /// <summary>What the report was made from, once the run is over (null without --report).</summary>
    internal ReportData? Report { get; private set; }
    IFrameDecoder? _decoder;

    /// <summary>The part --start and --end ask for, checked against the video's length (a start at or past its end is one clear error, not an empty run).</summary>
    VideoInfo WithRange(VideoInfo info)
    {
        if (options.Start is null && options.End is null) return info;
        double start = options.Start?.TotalSeconds ?? 0, length = info.Duration.TotalSeconds;
        if (length > 0 && start >= length)
            throw new VideoAffectException($"--start {start:0.###} s is past the end of '{InputShown}', which is {length:0.###} s long");
        return info with { Range = new PlayRange(start, options.End?.TotalSeconds) };
    }

    /// <summary>Analyses the whole video and returns what was done. Outputs get their final names only when the run completes; a cancelled run returns a summary with status "cancelled" and its outputs under their .partial names; a failed one throws <see cref="AnalysisFailedException"/> carrying the summary.</summary>
    public async Task<AnalysisSummary> RunAsync(CancellationToken token)
    {
        options.Validate();
        var info = WithRange(await VideoProbe.ProbeAsync(options.InputPath, token, options.VideoStream, options.SequenceFrameRate));
        if (options.RecordedAt is { } recordedAt) info = info with { RecordedAt = RecordingStart.Of(recordedAt, info) };
        // Every output is checked against the inputs and each other, and locked, before anything is written.
        // Every frame file of an image sequence (frames/img%05d.png) is an input.
        var inputFiles = ImageSequence.IsPattern(options.InputPath) ? ImageSequence.Files(options.InputPath) : [options.InputPath];
        using var outputs = new OutputSet([.. inputFiles, options.Recognition.ModelPath, options.Recognition.Detector.CascadePath]);
        var videoOut = outputs.Add(options.OutputPath, "output video");
        if (!videoOut.Discarded) Media.VideoContainer.For(videoOut.Final).CheckCrf(options.Crf, videoOut.Given); // x264 takes up to 51, libvpx 63
        var eventsOut = outputs.Add(options.EventsPath, "events file", streamAllowed: true);
        var summaryOut = options.SummaryPath is null ? null : outputs.Add(options.SummaryPath, "summary file");
        var reportOut = options.ReportPath is null ? null : outputs.Add(options.ReportPath, "report");
        var captionsOut = options.CaptionsPath is null ? null : outputs.Add(options.CaptionsPath, "captions file");
        // After the safety checks (a report named like the input is refused as such), before anything is written.
        options.CheckOutputNames(eventsOut, summaryOut);
        outputs.Claim();

        FramesExpected = info.Range.IsWhole ? info.ExpectedFrames : (long)Math.Round(info.Range.Length(info) * info.FrameRate);
        using var recognition = Recognition.Load(options.Recognition, log);
        // Several single-threaded OpenCV cascades, one frame each, rather than OpenCV's fork-join
        // threads, which stall when the pipeline's other threads share the cores.
        using var openCvThreads = options.DetectWorkers > 1 ? OpenCvThreads.Single() : OpenCvThreads.Unchanged();
        var report = Report = options.ReportPath is null ? null : new ReportData(recognition.Network.Labels, faceCrops: options.Recognition.Anonymize == Anonymization.None,
            time: ReportTimeAxis.For(info));
        var records = RecordWriters.Create(eventsOut, recognition.Network.Labels, recognition.LandmarkNames, captureTimes: info.RecordedAtUtc is not null);
        if (captionsOut is { Discarded: false })
            records = RecordWriters.Both(records, new WebVttWriter(captionsOut.Partial, info.Range.From(info), 1 / info.FrameRate, info.Width, info.Height));
        StreamStages stream;
        // Each track's face for the events sent to brokers and webhooks (a run that anonymizes keeps none).
        var trackFaces = _sinks.All.Count > 0 && options.Recognition.Anonymize == Anonymization.None ? new TrackFaces(TrackFaces.RecentTracks) : null;
        try { stream = recognition.ForStream(StreamName, options.DetectWorkers, threadsPerFrame: 1, live: false, records, _sinks, report, trackFaces); }
        catch { records.Dispose(); throw; }
        log?.Invoke($"{InputShown}: {info.Width}x{info.Height} @ {info.FrameRate:0.###} fps, {(info.Duration > TimeSpan.Zero ? $"{info.Duration.TotalSeconds:0.##} s" : "length not in the file")}{info.Range.Description}{info.Filters.Description}{(info.HasAudio ? ", with audio" : "")}{Subtitles(info, videoOut)}{(videoOut.Discarded ? "" : AnnotatedVideoEncoder.Covers(info, videoOut.Partial, KeepTags))}{(info.RecordedAtUtc is { } at ? $", recorded from {at:yyyy-MM-dd HH:mm:ss.FFF} UTC" : "")}; backend {recognition.BackendDescription}; detector {stream.DetectorDescription}");

        var pool = new FrameBufferPool(info.FrameBytes);
        _decoder = FrameDecoders.For(info, pool);
        var classify = recognition.Classifier();
        IFrameSink encoder = videoOut.Discarded ? new DiscardingSink() : new AnnotatedVideoEncoder(info, videoOut.Partial, options.KeepAudio, options.EncoderPreset,
            keepTags: KeepTags, crf: options.Crf);

        var clock = Stopwatch.StartNew();
        using var stages = new StageGroup();
        using (records)
        {
            using var decodeToken = CancellationTokenSource.CreateLinkedTokenSource(token, stages.Abort);
            var decoded = Bounded();
            var detected = Bounded();
            var classified = Bounded();
            var annotated = Bounded();
            _sinks.Start(new SinkRun
            {
                Streams = [StreamName],
                Report = _ => new StreamReport("running", _decoder.FramesDecoded, 0, 0, null),
                TrackEndFrames = options.Recognition.TrackEndFrames,
                TrackFace = trackFaces is null ? null : (_, track) => trackFaces.Of(track),
                Log = log,
            });
            // Cancellation stops only the decoder: what it decoded drains through every stage.
            stages.Source(() => _decoder.RunAsync(decoded.Writer, decodeToken.Token));
            stream.RunDetection(stages, decoded.Reader, detected.Writer);
            stages.Stage(() => classify.RunAsync(detected.Reader, classified.Writer, stages.Abort));
            stream.RunAfterClassification(stages, classified.Reader, annotated.Writer, Bounded);
            stages.Stage(() => encoder.RunAsync(annotated.Reader));
            await stages.Completion;
        }
        var failure = stages.Failure;
        // The sinks send what they still hold (a dead broker holds the end for a second at most).
        await _sinks.FinishAsync(failure is not null ? RunOutcome.Failed : token.IsCancellationRequested ? RunOutcome.Cancelled : RunOutcome.Complete);
        if (failure is null && _sinks.FatalError is { } refused) failure = new VideoAffectException(refused);
        clock.Stop();
        var (detect, annotate) = (stream.Detect, stream.Annotate);
        // A raw stream (.h264, MJPEG) or an APNG does not say how long it is: then it lasted from
        // its first frame to the end of its last, at the frame rate.
        double seconds = !info.Range.IsWhole ? Math.Round(info.Range.Length(info), 6)
            : info.Duration > TimeSpan.Zero ? info.Duration.TotalSeconds
            : annotate.Frames > 0 ? Math.Round(annotate.LastTime - annotate.FirstTime + 1 / info.FrameRate, 6) : 0;

        string status = failure is not null ? "failed" : token.IsCancellationRequested ? "cancelled" : "complete";
        bool complete = status == "complete";
        string? reportPath = null;
        if (report is not null && reportOut is { Discarded: false } && annotate.Frames > 0)
        {
            // The page plays the annotated video under the name it will have once this run has ended.
            var played = videoOut.Discarded || encoder.FramesEncoded == 0 ? null
                : ReportVideo.Between(complete ? reportOut.Final : reportOut.Partial, complete ? videoOut.Final : videoOut.Partial, info.Range.From(info),
                    captionsOut is { Discarded: false } ? (complete ? captionsOut.Final : captionsOut.Partial) : null);
            RunReport.Write(reportOut.Partial, reportOut.Final, report, Facts(info, seconds, recognition, stream, annotate.Frames, annotate.Faces, clock.Elapsed), played);
            reportPath = complete ? Named(reportOut) : reportOut.Partial;
        }
        // Keep what was processed under its .partial name; leave no empty or unplayable file behind.
        string video = complete ? Named(videoOut) : KeepIfUseful(videoOut, encoder.FramesEncoded > 0);
        string events = complete ? Named(eventsOut) : KeepIfUseful(eventsOut, annotate.Frames > 0);
        string? captions = captionsOut is null ? null : complete ? Named(captionsOut) : KeepIfUseful(captionsOut, annotate.Frames > 0);

        var summary = new AnalysisSummary
        {
            Input = InputShown,
            Status = status,
            Error = failure is null ? null : OneLine(failure),
            Video = video,
            Events = events,
            Captions = captions,
            Report = reportPath,
            RecordedAt = info.RecordedAtUtc,
            FramesDecoded = _decoder.FramesDecoded,
            DecodeErrors = _decoder.Damage.Errors,
            FirstDecodeError = _decoder.Damage.First,
            FramesWritten = encoder.FramesEncoded,
            Faces = annotate.Faces,
            UnconfirmedFaces = stream.Gate.Removed,
            LabelCounts = annotate.LabelCounts,
            Tracks = options.Recognition.Tracking ? annotate.Tracks : null,
            VideoSeconds = seconds,
            WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Backend = recognition.Backend.Name,
            Device = recognition.Backend.DeviceName,
            Batches = classify.Batches,
            DetectorRuns = detect.DetectorRuns,
            DetectorPasses = recognition.BlazeFacePasses,
            StageBusySeconds = new Dictionary<string, double>
            {
                ["detect"] = detect.Busy.Seconds, ["classify"] = classify.Busy.Seconds, ["annotate"] = annotate.Busy.Seconds,
            },
            Sinks = _sinks.All.Count > 0 ? _sinks.Summaries() : null,
        };
        if (summaryOut is { Discarded: false })
        {
            try { await File.WriteAllTextAsync(summaryOut.Partial, summary.ToJson() + "\n", CancellationToken.None); }
            catch (IOException e)
            {
                try { File.Delete(summaryOut.Partial); } catch (IOException) { } // no half-written summary
                // When the run already failed (a full disk fails everything), that first failure is the one to report.
                if (failure is null) throw new VideoAffectException($"writing the summary '{summaryOut.Given}' failed: {e.Message.Split('\n')[0]}");
            }
        }
        // Only a complete run replaces earlier results, each atomically; the video goes last, so
        // a result under its final name is never newer than its records.
        if (complete)
            foreach (var target in new[] { eventsOut, captionsOut, summaryOut, reportOut, videoOut })
                if (target is not null) OutputSet.Commit(target);
        if (failure is not null)
            throw new AnalysisFailedException(summary, failure);
        return summary;

        Channel<VideoFrame> Bounded() => Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(QueueCapacityFor(info, options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    RunFacts Facts(VideoInfo info, double seconds, Recognition recognition, StreamStages stream, long frames, long faces, TimeSpan wall)
    {
        var r = options.Recognition;
        var d = r.Detector;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return new RunFacts(
        [
            ("input", Path.GetFileName(InputShown)),
            ("duration", string.Create(c, $"{seconds:0.00} s{info.Range.Description}, {info.Width}x{info.Height} at {info.FrameRate:0.###} fps")),
            .. info.RecordedAt is not { } recorded ? [] : new[] { ("recorded at", $"{recorded.ToString("yyyy-MM-dd HH:mm:ss.FFF", c)} ({ReportTimeAxis.Zone(recorded.Offset)}; the charts' times of day are in it)") },
            ("frames", frames.ToString(c)),
            .. _decoder!.Damage.Errors == 0 ? [] : new[] { ("damaged", DecodeDamage.Describe(_decoder.Damage.Errors, _decoder.Damage.First)) },
            ("faces", faces.ToString(c)),
            ("backend", recognition.BackendDescription),
            ("detector", string.Create(c, $"{stream.DetectorDescription}; {(r.DetectorKind.Equals("blazeface", StringComparison.OrdinalIgnoreCase)
                ? $"score >= {d.ScoreThreshold}, NMS IoU {d.NmsIou}{(d.Tiles > 1 ? $", {d.Tiles}x{d.Tiles} tiles" : "")}{(r.Align ? ", faces aligned" : "")}"
                : $"{Path.GetFileName(d.CascadePath)}, scale factor {d.ScaleFactor}, {d.MinNeighbors} neighbours")}, faces {d.DescribeFaceSizes(info.Width, info.Height)}{(r.DetectEvery > 1 ? $", every {r.DetectEvery} frames" : "")}")),
            ("model", r.ModelPath is { } model ? Path.GetFileName(model) : "FER-2013 emotion model (@vladmandic/human 3.3.6)"),
            .. r.Anonymize == Anonymization.None ? [] : new[] { ("faces shown", $"hidden ({r.Anonymize.ToString().ToLowerInvariant()}); no face crops") },
            ("speed", string.Create(c, $"{frames / Math.Max(wall.TotalSeconds, 1e-9):0.0} fps ({wall.TotalSeconds:0.00} s)")),
            ("date", DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", c)),
            ("command", RunFacts.CommandLine()),
        ]);
    }

    /// <summary>The input as messages, the summary and the report show it: a URL without its secrets, a piped video as '-'.</summary>
    string InputShown => options.InputName ?? MediaLocation.Shown(options.InputPath);

    /// <summary>The stream's name in records and events: the input's name.</summary>
    string StreamName => MediaLocation.NameOf(options.InputPath);

    /// <summary>Frames queued between stages may hold at most this much together (a few of 8K's 100 MB frames).</summary>
    const long QueuedBytesLimit = 1L << 30;

    /// <summary>The queue capacity asked for, lowered for huge frames so the queues (six at most) stay within <see cref="QueuedBytesLimit"/>.</summary>
    static int QueueCapacityFor(VideoInfo info, int requested) =>
        (int)Math.Clamp(QueuedBytesLimit / 6 / Math.Max(1, info.FrameBytes), 1, requested);

    /// <summary>
    /// Whether the annotated video takes the source's tags and cover pictures: not when faces are
    /// hidden for sharing, as tags can name the place, the camera, its owner, and a cover can show a face.
    /// </summary>
    bool KeepTags => options.Recognition.Anonymize == Anonymization.None;

    /// <summary>The source's subtitle tracks for the first line: how many, and each that the annotated video cannot carry.</summary>
    static string Subtitles(VideoInfo info, OutputTarget videoOut) =>
        info.Subtitles.Count == 0 || videoOut.Discarded ? ""
            : $", {info.Subtitles.Count} subtitle track{(info.Subtitles.Count == 1 ? "" : "s")}{AnnotatedVideoEncoder.LeftOutSubtitles(info, videoOut.Partial)}";

    static string Named(OutputTarget target) => target.Discarded ? "(discarded)" : target.StandardOutput ? StandardOutputName : target.Given;

    const string StandardOutputName = "(standard output)";

    static string KeepIfUseful(OutputTarget target, bool useful)
    {
        if (target.Discarded) return "(discarded)";
        if (target.StandardOutput) return StandardOutputName;
        if (target.Pipe) return target.Given;
        if (useful && File.Exists(target.Partial) && new FileInfo(target.Partial).Length > 0) return target.Partial;
        File.Delete(target.Partial);
        return "(none)";
    }

    static string OneLine(Exception e) => e.Message.Split('\n')[0];
}

/// <summary>A run that failed part-way; <see cref="Summary"/> says what was kept and where.</summary>
public sealed class AnalysisFailedException(AnalysisSummary summary, Exception inner)
    : VideoAffectException(summary.Video is "(none)" or "(discarded)" ? inner.Message.Split('\n')[0]
        : $"{inner.Message.Split('\n')[0]} (kept {summary.FramesWritten} processed frame{(summary.FramesWritten == 1 ? "" : "s")} in {summary.Video})", inner)
{
    /// <summary>What the run did before it failed, and where its partial outputs are.</summary>
    public AnalysisSummary Summary { get; } = summary;
}
