using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace VideoAffect.Media;

/// <summary>
/// Decodes a video file into BGR24 frames with an ffmpeg child process (FFMpegCore) writing raw
/// frames as Matroska into a pipe, so each frame arrives with its own presentation time (ffprobe's
/// best_effort_timestamp, as ffmpeg's decoder sets it: right for AVI packets without pts, variable
/// frame rates and late-starting streams alike). Frames go into a bounded channel: when it is full
/// the pipe fills and ffmpeg waits, so a file source never drops a frame.
/// </summary>
internal sealed class VideoFileDecoder(VideoInfo info, FrameBufferPool pool) : IFrameDecoder
{
    /// <summary>Frames read so far.</summary>
    public long FramesDecoded => Interlocked.Read(ref _frames);
    long _frames;

    /// <summary>What ffmpeg reported of damaged data in the last decoding run (a seek that went too far is run again from the start).</summary>
    public DecodeDamage Damage { get; private set; } = new();

    public async Task RunAsync(ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            // A part that starts later (--start): ffmpeg seeks near it first, which is fast, and
            // the frames before the start are dropped here by their own times, so the cut is exact
            // whatever the demuxer's seek does. A seek that lands past the start, or finds nothing
            // (ffmpeg 5.1 does both in MPEG-TS files with few keyframes), is redone from the beginning.
            bool seek = info.Range.Start > 0;
            var (result, sink) = await DecodeAsync(output, seek, token);
            if (seek && (sink.Overshot || (FramesDecoded == 0 && !sink.ReachedEnd)) && !token.IsCancellationRequested)
                (result, sink) = await DecodeAsync(output, seek = false, token);
            // FFMpegCore stops waiting for ffmpeg to connect to the output pipe, and closes it, as
            // soon as ffmpeg exits: an ffmpeg whose whole output fits in the pipe's buffer (a few
            // tiny frames) can connect, write it all and exit before this side's accept completes
            // on a loaded machine, a successful run of which nothing was read (a 3x3 clip in a
            // suite run, 2026-12-07). Nothing was handed on, so it is run again.
            for (int retry = 0; retry < LostPipeRetries && result is { Success: true } && !sink.Opened && !token.IsCancellationRequested; retry++)
                (result, sink) = await DecodeAsync(output, seek, token);
            token.ThrowIfCancellationRequested();
            if (result is { Success: true } && !sink.Opened)
                throw new VideoAffectException($"decoding '{MediaLocation.Shown(info.Path)}' gave nothing to read: ffmpeg finished before its output was read, {LostPipeRetries + 1} times (is the machine overloaded?)");
            if (sink.Failure is not null) throw sink.Failure;
            if (FramesDecoded == 0 && !info.Range.IsWhole)
                throw new VideoAffectException($"'{MediaLocation.Shown(info.Path)}' has no video frames in the part asked for ({info.Range.Description.TrimStart(',', ' ')})");
            if (sink.ReachedEnd) return; // ffmpeg was stopped at the part's end: its exit says nothing
            // ffmpeg exits 0 on a cut-off file after decoding what is there (and fails, with words about
            // its filters, when the cut comes before the first frame); the demuxer's message is the only
            // sign, and a short result must not look complete.
            if (result is not null && FfmpegErrors.SaysTruncated(result.StandardError))
                throw new VideoAffectException(FramesDecoded == 0
                    ? $"'{MediaLocation.Shown(info.Path)}' is truncated: it ends before its first video frame"
                    : FormattableString.Invariant($"'{MediaLocation.Shown(info.Path)}' is truncated: its video ends at {sink.LastTime:0.###} s, after {FramesDecoded} frames{(info.Range.IsWhole ? "" : " of the part")}"));
            if (result is { Success: false })
                throw new VideoAffectException($"decoding '{MediaLocation.Shown(info.Path)}' failed after {FramesDecoded} frames ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
            if (FramesDecoded == 0)
                throw new VideoAffectException($"'{MediaLocation.Shown(info.Path)}' contains no decodable video frames (damaged or truncated file)");
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            output.TryComplete(error);
        }
    }

    /// <summary>One ffmpeg run from the start or from a seek near the part's start; null result when this side stopped it (see the sink's flags).</summary>
    async Task<(FfmpegExit? Result, FrameSink Sink)> DecodeAsync(ChannelWriter<VideoFrame> output, bool seek, CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var ffmpegStop = new QuietCancellation(stop.Token);
        bool lost = SimulatedLostPipes > 0;
        if (lost) SimulatedLostPipes--;
        var sink = new FrameSink(this, output, seek, stop, token, lost);
        var damage = Damage = new DecodeDamage();
        // -noaccurate_seek: frames from the keyframe at or before the start, at their own times
        // (-copyts); the sink drops those before the start.
        string seekTo = seek ? $" -ss {PlayRange.Argument(info.Range.Start)} -noaccurate_seek" : "";
        try
        {
            var result = await FFMpegArguments
                .FromFileInput(FfmpegPath.Escape(info.Path), verifyExists: false, o => o.WithCustomArgument($"{MediaLocation.InputOptions(info.Path, sequenceFrameRate: info.SequenceFrameRate)} {info.Filters.InputOptions}{seekTo}")) // probed already
                .OutputToPipe(sink, o => o
                    // The probed stream (not ffmpeg's own choice), at the source's own times.
                    .WithCustomArgument($"-copyts -map 0:{info.StreamIndex} -an -sn -dn")
                    // Keep every decoded frame once (no duplication or dropping) and pin the frame
                    // size, so a mid-stream size change cannot desynchronise the frames (a frame of
                    // another shape is fitted, not stretched: DisplayGeometry.Fit); an interlaced
                    // source is deinterlaced and HDR mapped to SDR first (SourceFilters).
                    .WithFpsMode(FpsMode.Passthrough)
                    // Matroska counts milliseconds: times scaled by 1000 arrive in microseconds.
                    .WithCustomArgument($"-vf {info.Filters.Chain}{DisplayGeometry.Fit(info.Width, info.Height)},setpts=PTS*{TimeScale}")
                    .WithCustomArgument("-enc_time_base -1 -c:v rawvideo -pix_fmt bgr24 -allow_raw_vfw 1")
                    // No CRC-32 per cluster: over raw frames through a local pipe it protects nothing,
                    // and computing it took half of this ffmpeg's CPU time (0.57 -> 0.30 s of user time
                    // for the 300-frame 640x480 sample).
                    .WithCustomArgument("-write_crc32 0")
                    .ForceFormat("matroska"))
                .WithLogLevel(FFMpegLogLevel.Error)
                // Counted as they come (a run stopped at its part's end keeps no exit to read them
                // from), once the decoder hands over pictures: before its first one it is waiting
                // for a keyframe (a recording cut or exported mid-way, a camera's stream joined
                // mid-way), which every such file does and is no damage (ffmpeg reports some 120
                // errors for a 640x480 MPEG-TS cut 60 frames before its next keyframe). Nor is
                // what ffmpeg says once this side has stopped it (the part's end, --end, or the
                // run cancelled): its write to the closed pipe fails ("av_interleaved_write_frame(): Broken pipe").
                .NotifyOnStandardError(line => { if (sink.Pictures && !stop.IsCancellationRequested) damage.Add(line); })
                .CancellableThrough(ffmpegStop.Token)
                .RunAsync();
            return (sink.Stopped ? null : new FfmpegExit(result.Success, [.. result.StandardError]), sink);
        }
        catch (OperationCanceledException) when (sink.Stopped && !token.IsCancellationRequested)
        {
            return (null, sink);
        }
    }

    /// <summary>Runs again after an ffmpeg run whose output pipe was never read (see RunAsync).</summary>
    internal const int LostPipeRetries = 2;

    /// <summary>
    /// Tests: this many runs from now read ffmpeg's output to its end and drop it without a word,
    /// as if FFMpegCore had closed the pipe before it was read (the race RunAsync retries).
    /// </summary>
    internal int SimulatedLostPipes { get; set; }

    /// <summary>How an ffmpeg run that was not stopped by this side ended.</summary>
    sealed record FfmpegExit(bool Success, IReadOnlyList<string> StandardError);

    /// <summary>How much the decoder's filter stretches time so that Matroska's milliseconds hold microseconds.</summary>
    const int TimeScale = 1000;

    /// <summary>Frame times are compared to the part's bounds to the microsecond, the pipe's precision.</summary>
    const double TimeEpsilon = 1e-6;

    /// <summary>Cuts ffmpeg's raw byte stream into frames, keeping those of the part asked for.</summary>
    /// <remarks>
    /// FFMpegCore cancels the token it passes to ReadAsync as soon as ffmpeg exits,
    /// while frames may still sit in the pipe behind a full channel; reading to the end of the pipe
    /// under our own token keeps those last frames.
    /// </remarks>
    /// <param name="seeking">Whether ffmpeg was told to seek: its first frame then shows whether it landed at or before the start.</param>
    /// <param name="stop">Stops ffmpeg once the part's end is reached, or after a seek that went too far.</param>
    /// <param name="lost">Tests: drop what ffmpeg writes unread (<see cref="SimulatedLostPipes"/>).</param>
    sealed class FrameSink(VideoFileDecoder decoder, ChannelWriter<VideoFrame> output, bool seeking, CancellationTokenSource stop, CancellationToken runToken, bool lost) : IPipeSink
    {
        public Exception? Failure { get; private set; }
        /// <summary>FFMpegCore handed over ffmpeg's output pipe: whatever ffmpeg wrote was read.</summary>
        public bool Opened { get; private set; }
        /// <summary>The seek landed after the part's start: frames would be missing, so decoding starts again from the beginning.</summary>
        public bool Overshot { get; private set; }
        /// <summary>A frame at or after the part's end arrived: everything asked for was delivered.</summary>
        public bool ReachedEnd { get; private set; }
        /// <summary>ffmpeg has handed over a picture (kept or not): its decoding errors from here on are damage.</summary>
        public volatile bool Pictures;
        public bool Stopped => Overshot || ReachedEnd;
        /// <summary>The time of the last frame handed on, in the video's own seconds; null before the first.</summary>
        public double? LastTime { get; private set; }

        public string GetStreamArguments() => ""; // the output options already name the format

        public async Task ReadAsync(Stream input, CancellationToken ffmpegExited)
        {
            var token = runToken;
            if (lost)
            {
                await input.CopyToAsync(Stream.Null, token);
                return;
            }
            Opened = true;
            var info = decoder.Info;
            double from = info.Range.From(info), to = info.Range.To(info);
            // A seek may land on a keyframe before the start, never after it; a frame more than two
            // frame periods late means the demuxer skipped some.
            double lateness = 2 / Math.Max(info.FrameRate, 1);
            bool first = true;
            var reader = new Matroska.RawVideoMatroskaReader(input);
            while (true)
            {
                var frame = new VideoFrame(decoder.FramesDecoded, 0, info.Width, info.Height, decoder.Pool);
                long? nanoseconds;
                try { nanoseconds = await reader.ReadFrameAsync(frame.Pixels.AsMemory(0, frame.ByteCount), token); }
                catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                {
                    frame.Dispose();
                    Failure = new VideoAffectException($"decoding '{MediaLocation.Shown(info.Path)}' ended inside frame {decoder.FramesDecoded} ({e.Message})");
                    return;
                }
                catch { frame.Dispose(); throw; }
                if (nanoseconds is not { } ns)
                {
                    frame.Dispose();
                    return;
                }
                double time = frame.Timestamp = ns / 1e9 / TimeScale;
                frame.CapturedUtc = info.UtcAt(time);
                if (first && seeking && time > from + lateness)
                {
                    frame.Dispose();
                    Overshot = true;
                    await stop.CancelAsync();
                    return;
                }
                first = false;
                Pictures = true;
                if (time < from - TimeEpsilon)
                {
                    frame.Dispose();
                    continue;
                }
                if (time >= to - TimeEpsilon)
                {
                    frame.Dispose();
                    ReachedEnd = true;
                    await stop.CancelAsync();
                    return;
                }
                try { await output.WriteAsync(frame, token); }
                catch { frame.Dispose(); throw; }
                LastTime = time;
                Interlocked.Increment(ref decoder._frames);
            }
        }
    }

    VideoInfo Info => info;
    FrameBufferPool Pool => pool;
}
