using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// One live source, kept alive: each attempt probes the stream (its frame size may have changed),
/// then an ffmpeg child (FFMpegCore) decodes it to BGR24 frames in a pipe. When the stream ends,
/// fails, or delivers no frame for the stall timeout, the ffmpeg process is killed and a new
/// attempt starts after an exponential backoff (reset by any attempt that delivered frames).
/// Frames go to <c>output</c> without waiting: a live queue drops its oldest frame instead.
/// A source that cannot exist (a missing file or device, a malformed URL) fails at once; the
/// monitor's other streams are not affected either way. A pushed source (a port a sender connects
/// to, standard input) is received once, its bytes shared by the probe and the decoder
/// (<see cref="PushedBytes"/>), and waits for its sender rather than reconnecting.
/// </summary>
/// <param name="audio">where the stream's sound goes (its first audio track, as <see cref="StreamAudio"/> says), for the outputs that carry it; null: not decoded</param>
internal sealed class LiveSource(LiveSourceSpec spec, LiveSourceOptions options, StreamStatus streamStatus, int streamIndex, Action<string>? log = null, StreamAudio? audio = null)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly int _stream = streamIndex;
    readonly StreamStatus _status = streamStatus;
    long _index;
    bool _openedOnce;
    /// <summary>Whether any connection delivered a frame: a file that opened but never gave one (cut before its first frame) is not retried.</summary>
    bool _deliveredOnce;
    /// <summary>The last probe's answer when it was a picture (an image reader's format), else null.</summary>
    Probed? _picture;
    /// <summary>Set once the source has shown itself a snapshot camera: each poll reuses this probe.</summary>
    Probed? _snapshot;

    /// <summary>What a probe says of the stream: its frame size as analysed, what its frames need first, its colours.</summary>
    /// <param name="Length">A recording's length (a video file or a finished HLS playlist at a URL), or null for a stream that goes on (a camera).</param>
    /// <param name="VideoStream">the index of the video track decoded (ffmpeg's errors name it: "Error while decoding stream #0:N")</param>
    /// <param name="AudioStream">the index of the first audio track, when ffmpeg has a decoder for it; null: no sound to carry</param>
    sealed record Probed(int Width, int Height, SourceFilters Filters, OutputColour Colour, bool Picture, string? Codec, TimeSpan? Length, int VideoStream, int? AudioStream);

    /// <summary>Set once the source has shown itself a recording at a URL: played at its own rate, once (or again with --loop), as a file is.</summary>
    bool _recording;

    /// <summary>The TCP port a tcp://...?listen=1 source holds open while it runs (null until bound).</summary>
    TcpPushListener? _tcpListener;

    /// <summary>Whether "waiting for a sender" was said since the last sender (not again for each retry of a port that cannot be opened).</summary>
    bool _waitingSaid;

    /// <summary>Whether a newer sender to our TCP port took over from the one read last (it is read next, without waiting).</summary>
    bool _takenOver;

    /// <summary>Standard input's bytes, read once for the source's whole life: a decoder that fails is followed by one that goes on from there.</summary>
    PushedBytes? _standardInput;

    public async Task RunAsync(ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        audio?.UseClock(() => _clock.Elapsed.TotalSeconds);
        var delay = options.ReconnectMin;
        try
        {
            spec.CheckExists();
            // A photo would play its one frame and end, with no face: said once, as analyze says it.
            if (spec.Kind == LiveSourceKind.File && await Media.VideoProbe.IsStillImageFileAsync(spec.Location, token))
                throw new VideoAffectException(Media.VideoProbe.StillImage(spec.Location, "a video or a camera"));
            while (!token.IsCancellationRequested)
            {
                long attemptStarted = Stopwatch.GetTimestamp();
                var (frames, reason, ended) = await AttemptAsync(output, token);
                if (token.IsCancellationRequested) break;
                if (frames > 0) _deliveredOnce = true;
                // A still picture at a URL (a camera's snapshot.jpg, a home-automation camera proxy)
                // ends after its one frame: fetched again at the snapshot interval, quietly, not as
                // a stream that ended and reconnects.
                if (ended && frames == 1 && spec.Kind == LiveSourceKind.Url && _picture is { } picture)
                {
                    if (_snapshot is null) log?.Invoke($"{spec.Name}: a still picture; fetched every {options.SnapshotInterval.TotalSeconds:0.###} s (--snapshot-interval)");
                    _snapshot = picture;
                    var wait = options.SnapshotInterval - Stopwatch.GetElapsedTime(attemptStarted);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, token);
                    delay = options.ReconnectMin;
                    continue;
                }
                // A file ffmpeg could never open (not a video, no video stream) or never decode a frame
                // of (cut before its first) will not become one by waiting; one that played before
                // (--loop) may be being replaced, and is retried. Nor does standard input that held
                // no video: what it held is read and gone.
                if ((spec.Kind == LiveSourceKind.File && !ended && !_deliveredOnce) || (spec.Kind == LiveSourceKind.StandardInput && !_openedOnce))
                    throw new VideoAffectException(reason);
                // A newer sender to our TCP port took over (however the old one's decoder ended): read at once.
                if (_takenOver)
                {
                    delay = options.ReconnectMin;
                    log?.Invoke($"{spec.Name}: a new sender connected; the previous one is let go");
                    continue;
                }
                // A recording at a URL played again (--loop) starts over at once, quietly, as a
                // looped file does inside ffmpeg: no reconnection.
                if (ended && _recording && options.LoopFiles && frames > 0)
                {
                    delay = options.ReconnectMin;
                    continue;
                }
                // A sender that closed its connection to our listening port (or stopped pushing UDP) may
                // come back, or another may come: listened for again at once.
                if (ended && spec.IsPushed && spec.Kind != LiveSourceKind.StandardInput)
                {
                    delay = options.ReconnectMin;
                    if (frames == 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), token); // a connection that sent nothing: quietly, and never in a tight loop
                        continue;
                    }
                    _status.Reconnecting("the sender stopped");
                    _waitingSaid = false; // said again by the next attempt, with the URL
                    log?.Invoke($"{spec.Name}: the sender stopped");
                    continue;
                }
                if (ended && spec.Kind == LiveSourceKind.StandardInput)
                {
                    _status.SetState(StreamState.Ended);
                    return;
                }
                if (ended && (spec.Kind == LiveSourceKind.File || _recording) && !options.LoopFiles)
                {
                    _status.SetState(StreamState.Ended);
                    return;
                }
                // A listening source that listened a while before it failed (a sender that broke off
                // its handshake) listens again soon: a long backoff would refuse the next sender.
                if (frames > 0 || (spec.IsPushed && Stopwatch.GetElapsedTime(attemptStarted) >= TimeSpan.FromSeconds(1))) delay = options.ReconnectMin;
                _status.RetryAfter(delay);
                _status.Reconnecting(reason);
                log?.Invoke(SourceSecrets.Redact($"{spec.Name}: {reason}; reconnecting in {delay.TotalSeconds:0.#} s"));
                await Task.Delay(delay, token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReconnectMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (VideoAffectException e)
        {
            _status.Error(e.Message);
            _status.SetState(StreamState.Failed, e.Message);
            log?.Invoke(SourceSecrets.Redact($"{spec.Name}: {e.Message}"));
        }
        finally
        {
            _tcpListener?.Dispose();
            if (_status.State is not (StreamState.Failed or StreamState.Ended)) _status.SetState(StreamState.Stopped);
            output.TryComplete();
        }
    }

    /// <summary>One connection: probe, decode until the stream ends, fails or stalls. Never throws for a failed connection.</summary>
    async Task<(long Frames, string Reason, bool Ended)> AttemptAsync(ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        if (!spec.IsPushed) return await AttemptAsync(output, pushed: null, token);
        if (spec.Kind == LiveSourceKind.StandardInput)
        {
            if (_standardInput is null)
            {
                _status.SetState(StreamState.Waiting);
                _standardInput = new PushedBytes(Console.OpenStandardInput(), $"{spec.Name} read");
            }
            return await AttemptAsync(output, _standardInput, token);
        }
        if (spec.TcpListenUrl is { } tcp) return await AcceptAttemptAsync(output, tcp, token);
        using var relay = ByteRelay.Start(spec);
        SayWaiting();
        try
        {
            if (!await relay.Bytes.WaitForFirstAsync(token))
            {
                // A connection that sent nothing (a port check) ends the attempt as a stream does: listened for again at once.
                if (await relay.FailureAsync() is not { } why) return (0, "a connection that sent nothing", true);
                // ffmpeg's error names the URL again ("srt://...: Input/output error").
                if (why.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon && why[..colon].Contains("://", StringComparison.Ordinal)) why = why[(colon + 2)..];
                return (0, $"cannot receive on '{spec.Location}': {why}", false);
            }
        }
        catch (OperationCanceledException) { return (0, "stopped", false); }
        return await AttemptAsync(output, relay.Bytes, token);
    }

    void SayWaiting()
    {
        _status.SetState(StreamState.Waiting);
        if (!_waitingSaid) log?.Invoke(SourceSecrets.Redact($"{spec.Name}: waiting for a sender on {spec.Location}"));
        _waitingSaid = true;
    }

    /// <summary>
    /// One sender to a TCP port we hold open (<see cref="TcpPushListener"/>), read as any pushed
    /// stream, until it stops or a newer sender takes over.
    /// </summary>
    async Task<(long Frames, string Reason, bool Ended)> AcceptAttemptAsync(ChannelWriter<VideoFrame> output, Uri url, CancellationToken token)
    {
        try { _tcpListener ??= TcpPushListener.Open(url); }
        catch (VideoAffectException e)
        {
            _status.Error(e.Message);
            return (0, e.Message, false);
        }
        if (!_takenOver) SayWaiting();
        _takenOver = false;
        TcpPushListener.Sender sender;
        try { sender = await _tcpListener.NextSenderAsync(spec.Name, options.StallTimeout, token); }
        catch (OperationCanceledException) { return (0, "stopped", false); }
        using (sender)
        {
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(token);
            var newer = _tcpListener.WatchForNewerAsync(sender, spec.Name, options.StallTimeout, watching.Token);
            try { return await AttemptAsync(output, sender.Bytes, token); }
            finally
            {
                await watching.CancelAsync();
                try { _takenOver = await newer; }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or IOException) { _takenOver = false; } // no newer sender, then
            }
        }
    }

    /// <summary>One connection, its bytes read from <paramref name="pushed"/> when the source pushes them (null: ffmpeg opens the source itself).</summary>
    async Task<(long Frames, string Reason, bool Ended)> AttemptAsync(ChannelWriter<VideoFrame> output, PushedBytes? pushed, CancellationToken token)
    {
        Probed size;
        if (_snapshot is { } known && _status.State == StreamState.Live) size = known; // the next poll of a snapshot camera
        else
        {
            try { size = pushed is null ? await ProbeAsync(null, token) : await ProbePushedAsync(pushed, token); }
            catch (VideoAffectException e)
            {
                _status.Error(e.Message);
                // Standard input that ended while no video could be found in its last bytes has ended.
                return (0, e.Message, spec.Kind == LiveSourceKind.StandardInput && pushed!.Ended);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { return (0, "stopped", false); }
            _picture = size.Picture && pushed is null ? size : null; // a picture pushed to us is not a camera's snapshot to fetch again
            // A recording at a URL (http://host/clip.mp4, a finished HLS playlist) was read as fast as
            // the network gave it, most frames dropped, and started again at its end, over and over:
            // played at its own rate and once, as a file is (--loop: again from its start).
            if (spec.Kind == LiveSourceKind.Url && pushed is null && !size.Picture && size.Length is { } length && !_recording)
            {
                _recording = true;
                log?.Invoke($"{spec.Name}: a recording ({length.TotalSeconds:0.#} s), played at its own rate{(options.LoopFiles ? ", again from its start at its end (--loop)" : ", once")}");
            }
            _openedOnce = true;
            _status.Connected(size.Width, size.Height, size.Colour);
            log?.Invoke($"{spec.Name}: connected, {size.Width}x{size.Height}{size.Filters.Description}");
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        // The connection's map from the source's times to the stream's clock: its frames keep it, its sound is placed by it.
        var timeline = new SourceTimeline();
        var sink = new FrameSink(this, output, size.Width, size.Height, timeline, attempt.Token);
        var watchdog = WatchAsync(sink, attempt);
        var damage = new DecodeDamage(size.Codec, size.VideoStream);
        bool success;
        string errors;
        using var ffmpegStop = new QuietCancellation(attempt.Token);
        // The stream's sound, when an output carries it: a second output of this decoder, placed by its times.
        using var sound = audio is not null && size.AudioStream is not null ? AudioTap.Open(audio, timeline) : null;
        audio?.Connected(sound is not null);
        try
        {
            var result = await (pushed is null ? Input(size.Filters) : PushedInput(pushed, size.Filters, attempt.Token))
                .OutputToPipe(sink, o => o
                    .WithCustomArgument(sound?.OutputArguments ?? "")
                    .WithCustomArgument("-map 0:v:0 -an -sn -dn")
                    // Every decoded frame once, as it came: the raw output's default (constant frame
                    // rate) invented copies of the last frame to fill a camera's pause or slow-down
                    // (22 for a file's 0.7 s pause; a burst of them when a stalled RTSP camera
                    // resumed) and dropped frames that came close together.
                    .WithFpsMode(FpsMode.Passthrough)
                    // The probed size is pinned, so a size change inside one connection cannot
                    // desynchronise the byte stream (a frame of another shape is fitted, not
                    // stretched: DisplayGeometry.Fit); the next connection probes the new size. An
                    // interlaced camera (an analogue one through an encoder, a capture card) is
                    // deinterlaced as a file is, at one frame period of latency (yadif looks one
                    // frame ahead), and an HDR one mapped to SDR.
                    .WithCustomArgument($"-vf {size.Filters.Chain}{DisplayGeometry.Fit(size.Width, size.Height)}")
                    .WithCustomArgument("-pix_fmt bgr24")
                    // One encoder thread: ffmpeg's default frame threading in the raw "encoder"
                    // held each frame back until the next one came, so every live frame was one
                    // frame period late before we saw it (1 s for a 1 fps camera, 40 ms at 25 fps;
                    // measured with ffmpeg alone, 5.1: the first frame of a paced file at 1.07 s,
                    // 0.06 s with this; no cost in throughput, 1080p to bgr24 at ~225 fps either way).
                    .WithCustomArgument("-threads 1")
                    // Raw frames in NUT packets, each with its time in the source's own time base
                    // (-enc_time_base -1: not rounded to a frame rate), written as it comes.
                    .WithCustomArgument($"-c:v rawvideo -enc_time_base -1 {SourceTimeline.OutputOffset}")
                    .ForceFormat("nut"))
                .WithLogLevel(FFMpegLogLevel.Error)
                .NotifyOnStandardError(line => { CountDamage(damage, sink, line); NoteSoundError(size, line); })
                .CancellableThrough(ffmpegStop.Token)
                .RunAsync();
            success = result.Success;
            errors = string.Join('\n', result.StandardError);
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            success = false;
            errors = e.Message;
        }
        finally
        {
            attempt.CancelQuietly();
            await watchdog;
        }
        if (token.IsCancellationRequested) return (sink.Frames, "stopped", false);
        if (sink.Stalled) { _status.Error($"no frame for {options.StallTimeout.TotalSeconds:0.#} s"); return (sink.Frames, $"stalled (no frame for {options.StallTimeout.TotalSeconds:0.#} s)", false); }
        // A source whose sound never decoded ends with ffmpeg failing for want of its format; its
        // pictures ended as they should (a file played once ends, not reconnects).
        if (!success && sound is not null && errors.Contains($"Cannot determine format of input stream 0:{size.AudioStream} after EOF", StringComparison.Ordinal)) success = true;
        if (!success)
        {
            // A file cut before its first frame makes ffmpeg fail with words about its filters; its demuxer said why.
            string reason = spec.Kind == LiveSourceKind.File && sink.Frames == 0 && FfmpegErrors.SaysTruncated(errors.Split('\n'))
                ? $"{Shown} is truncated: it ends before its first video frame" : FfmpegErrors.Reason(errors);
            _status.Error(reason);
            return (sink.Frames, $"source failed: {reason}", false);
        }
        // A file played as a camera and cut short ends where the cut is, as it would without the
        // cut; said once, so that a short run is not taken for the whole recording.
        if (spec.Kind == LiveSourceKind.File && FfmpegErrors.SaysTruncated(errors.Split('\n')))
            log?.Invoke($"{spec.Name}: {Shown} is truncated: its video ended after {sink.Frames} frames");
        return (sink.Frames, "stream ended", true);
    }

    /// <summary>
    /// The decoder's errors once the connection has delivered a picture: damaged data (a camera's
    /// lost packets, a card's bad sector) that ffmpeg concealed or left out. Those before it are
    /// the decoder waiting for its first keyframe after joining a stream mid-way, on every
    /// connection to a camera, not damage. The first of a connection is logged.
    /// </summary>
    void CountDamage(DecodeDamage damage, FrameSink sink, string line)
    {
        if (Interlocked.Read(ref sink.Frames) == 0) return;
        bool first = damage.Errors == 0;
        long counted = damage.Add(line);
        if (counted == 0) return;
        _status.DecodeErrorsSeen(counted);
        if (first) log?.Invoke($"{spec.Name}: damaged data from the source ({SourceSecrets.Redact(damage.First ?? line)}); concealed or left out by the decoder, counted in decode_errors");
    }

    /// <summary>Whether the source's sound failing to decode was said (once for the source's life: it is the camera's, every connection).</summary>
    bool _soundErrorSaid;

    /// <summary>
    /// ffmpeg's errors decoding the sound: not damage to the pictures (their count is the video's),
    /// but said once, as the recording and restream then carry silence in its place.
    /// </summary>
    void NoteSoundError(Probed size, string line)
    {
        if (audio is null || size.AudioStream is not { } stream || _soundErrorSaid) return;
        if (!line.TrimStart().StartsWith($"Error while decoding stream #0:{stream}:", StringComparison.Ordinal)) return;
        _soundErrorSaid = true;
        log?.Invoke(SourceSecrets.Redact($"{spec.Name}: its sound cannot be decoded ({line.Trim()}); the recording and restream carry silence in its place"));
    }

    string RtspArguments => $"-rtsp_transport {options.RtspTransport} -timeout {(long)options.StallTimeout.TotalMicroseconds}";

    /// <summary>
    /// ffmpeg and ffprobe read up to 5 s or 5 MB of a network stream before they start, which would
    /// add seconds to every (re)connection. 100 kB or half a second (about 0.4 s of a 2-4 Mbit/s
    /// camera stream) finds its video; its size usually comes with the session description anyway.
    /// </summary>
    const string QuickStart = "-analyzeduration 500000 -probesize 100000";

    /// <summary>
    /// Decoding threads that work on one frame together (slices), never on several frames at once.
    /// ffmpeg's default frame threading holds back one frame per extra thread, and it starts one
    /// thread per core and one more: measured with H.264 at 24 fps fed to ffmpeg in real time, a
    /// frame came out 169 ms after its packet with the 3 threads of this 2-core machine, 752 ms
    /// with the 17 it starts on 16 cores (forced with -threads 17), and 86 ms with slice threads
    /// at either count (what is left is ffmpeg's own reading ahead). A live stream wants the frame
    /// now; a file (analyze) wants throughput, and keeps frame threading.
    /// </summary>
    const string LowDelayDecoding = "-thread_type slice";

    FFMpegArguments Input(SourceFilters filters) => spec.Kind switch
    {
        LiveSourceKind.Rtsp => FFMpegArguments.FromUrlInput(new Uri(spec.Location), o => o
            .WithCustomArgument($"{RtspArguments} {QuickStart} {LowDelayDecoding} {filters.InputOptions}")),
        LiveSourceKind.Url => FFMpegArguments.FromUrlInput(new Uri(spec.Location), o => o.WithCustomArgument($"{(_recording ? "-re " : "")}{QuickStart} {LowDelayDecoding} {filters.InputOptions}")),
        LiveSourceKind.Webcam => FFMpegArguments.FromDeviceInput(spec.Location, o => o.ForceFormat("v4l2").WithCustomArgument($"{LowDelayDecoding} {filters.InputOptions}")),
        // A file plays at its own frame rate, like a camera; optionally forever.
        _ => FFMpegArguments.FromFileInput(FfmpegPath.Escape(spec.Location), verifyExists: false, o => // a file gone since is ffmpeg's error, as a camera's is
        {
            o.WithCustomArgument($"-re {LowDelayDecoding} {filters.InputOptions}");
            if (options.LoopFiles) o.WithCustomArgument("-stream_loop -1");
        }),
    };

    /// <summary>A pushed stream's bytes, those the probe looked at first, through a pipe: ffmpeg tells the container from them.</summary>
    static FFMpegArguments PushedInput(PushedBytes pushed, SourceFilters filters, CancellationToken attempt) =>
        FFMpegArguments.FromPipeInput(pushed.Replay(attempt), o => o.WithCustomArgument($"{QuickStart} {LowDelayDecoding} {filters.InputOptions}"));

    /// <summary>
    /// How much of a pushed stream the probe looks at: 0.4 s of it (or 512 KB) is enough when the
    /// sender started with its stream, and is all that comes to the decoder at once (more would be
    /// a burst the live queue drops); one joined mid-way (UDP, standard input from a camera tool
    /// already running) may need its next keyframe, and is looked at again over more of it.
    /// </summary>
    static readonly (long Bytes, TimeSpan Within)[] LookAheads = [(512 << 10, TimeSpan.FromSeconds(0.4)), (4 << 20, TimeSpan.FromSeconds(2)), (16 << 20, TimeSpan.FromSeconds(6))];

    /// <summary>The probe of a pushed stream, over the first of its bytes (kept for the decoder).</summary>
    async Task<Probed> ProbePushedAsync(PushedBytes pushed, CancellationToken token)
    {
        if (!await pushed.WaitForBytesAsync(token))
            throw new VideoAffectException(pushed.Failure is { } failure ? $"cannot read {Shown}: {failure}"
                : pushed.Total == 0 ? $"{Shown} ended before any video came" : $"{Shown} ended");
        VideoAffectException? last = null;
        foreach (var (bytes, within) in LookAheads)
        {
            var head = await pushed.LookAheadAsync(bytes, within, token);
            if (head.Length == 0) break; // cannot be: bytes were waited for
            try { return await ProbeAsync(head, token); }
            catch (VideoAffectException e) { last = e; }
            if (pushed.Ended) break;
        }
        pushed.DropHeld(); // no video in them: the next attempt looks at newer bytes
        throw last ?? new VideoAffectException($"{Shown} ended before any video came");
    }

    /// <summary>The source as messages name it.</summary>
    string Shown => spec.Kind == LiveSourceKind.StandardInput ? "standard input" : $"'{spec.Location}'";

    /// <summary>
    /// The stream's frame size as analysed (<see cref="DisplayGeometry"/>) and what its frames need first (<see cref="SourceFilters"/>), from ffprobe. Run directly rather than through FFMpegCore's
    /// FFProbe, which puts custom options after the input, where ffprobe ignores the RTSP
    /// transport and the quick-start limits (a probe then takes 1.5 s instead of 0.4 s).
    /// </summary>
    /// <param name="head">a pushed stream's first bytes, given to ffprobe through its standard input (null: ffprobe opens the source)</param>
    async Task<Probed> ProbeAsync(byte[]? head, CancellationToken token)
    {
        var limit = options.StallTimeout + TimeSpan.FromSeconds(2);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(limit);
        var start = new ProcessStartInfo(GlobalFFOptions.GetFFProbeBinaryPath())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = head is not null, UseShellExecute = false,
        };
        foreach (var a in ProbeArguments(head?.Length)) start.ArgumentList.Add(a);
        using var process = new Process { StartInfo = start };
        long started = Stopwatch.GetTimestamp();
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception) { throw new VideoAffectException("ffprobe is not installed; run ./setup.sh"); }
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (head is not null) _ = FeedAsync(process.StandardInput.BaseStream, head);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            token.ThrowIfCancellationRequested();
            throw new VideoAffectException($"no answer from {Shown} within {limit.TotalSeconds:0.#} s");
        }
        if (process.ExitCode != 0)
        {
            // A server that accepts the connection and then says nothing makes ffprobe give up at its
            // socket timeout with a misleading "Invalid data": say what happened instead.
            if (spec.Kind == LiveSourceKind.Rtsp && Stopwatch.GetElapsedTime(started) >= options.StallTimeout * 0.9)
                throw new VideoAffectException($"no answer from '{spec.Location}' within {options.StallTimeout.TotalSeconds:0.#} s (connected, but the server never replied)");
            // Fed through its standard input, ffprobe names it "pipe:0".
            throw new VideoAffectException($"cannot open {Shown}: {FfmpegErrors.Reason(await errors).Replace("pipe:0: ", "")}");
        }
        // Upright and in square pixels, as a file's frames (many CCTV cameras send 704x576 at 12:11).
        (int Width, int Height) size = (0, 0);
        var filters = SourceFilters.None;
        var colour = OutputColour.Bt709;
        bool picture = false;
        string? codec = null;
        int videoStream = 0;
        int? audioStream = null;
        TimeSpan? length = null;
        try
        {
            using var json = JsonDocument.Parse(await output);
            if (json.RootElement.TryGetProperty("streams", out var streams))
            {
                // The decoder's -map 0:v:0 and -map 0:a:0: the first of each kind.
                if (FirstOfType(streams, "video") is { } video)
                {
                    (size, filters) = (DisplayGeometry.Of(video), SourceFilters.Of(video));
                    colour = OutputColour.Of(video, filters.Tone.Hdr);
                    if (video.TryGetProperty("codec_name", out var codecName)) codec = codecName.GetString();
                    if (video.TryGetProperty("index", out var index)) videoStream = index.GetInt32();
                }
                // Sound ffmpeg cannot decode (a camera's rare codec) would fail the whole connection: the frames come without it.
                if (audio is not null && FirstOfType(streams, "audio") is { } sound && sound.TryGetProperty("codec_name", out var soundCodec)
                    && FfmpegCodecs.CanDecode(soundCodec.GetString()) && sound.TryGetProperty("index", out var soundIndex))
                    audioStream = soundIndex.GetInt32();
            }
            picture = json.RootElement.TryGetProperty("format", out var format) && format.TryGetProperty("format_name", out var name)
                && VideoProbe.IsImageFormat(name.GetString());
            // A camera's stream has no duration ("N/A", left out of the JSON); a recording has one.
            if (format.ValueKind == JsonValueKind.Object && format.TryGetProperty("duration", out var duration)
                && double.TryParse(duration.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds > 0)
                length = TimeSpan.FromSeconds(seconds);
        }
        catch (JsonException) { }
        if (size.Width <= 0 || size.Height <= 0)
            throw new VideoAffectException(Media.WebP.WebPAnimation.IsAnimatedFile(spec.Location)
                ? $"'{spec.Location}' is an animated WebP, which monitor cannot play (ffmpeg cannot decode one); analyze reads it"
                : $"{Shown} has no video stream with a frame size");
        return new Probed(size.Width, size.Height, filters, colour, picture, codec, length, videoStream, picture ? null : audioStream);
    }

    static JsonElement? FirstOfType(JsonElement streams, string type) =>
        streams.EnumerateArray().Where(s => s.TryGetProperty("codec_type", out var t) && t.GetString() == type).Select(s => (JsonElement?)s).FirstOrDefault();

    /// <summary>Writes a pushed stream's first bytes to ffprobe and closes its input: it reads what it needs, and an end where they end.</summary>
    static async Task FeedAsync(Stream input, byte[] head)
    {
        try
        {
            await input.WriteAsync(head);
            await input.DisposeAsync();
        }
        catch (IOException) { } // ffprobe had enough and exited before reading it all
    }

    /// <param name="given">the length of a pushed stream's first bytes, fed through standard input; null when ffprobe opens the source</param>
    IEnumerable<string> ProbeArguments(int? given)
    {
        var arguments = new List<string> { "-v", "error" };
        bool fromStandardInput = given is not null;
        if (spec.Kind == LiveSourceKind.Rtsp) arguments.AddRange(RtspArguments.Split(' '));
        // Bytes already here are read at once, however many: all of them may be looked at (a stream
        // joined mid-way finds its first keyframe in them), and their end is the probe's end.
        if (fromStandardInput) arguments.AddRange(["-probesize", Math.Max(given!.Value, 32).ToString(System.Globalization.CultureInfo.InvariantCulture), "-analyzeduration", "60000000"]);
        else if (spec.Kind is LiveSourceKind.Rtsp or LiveSourceKind.Url) arguments.AddRange(QuickStart.Split(' '));
        if (spec.Kind == LiveSourceKind.Webcam) arguments.AddRange(["-f", "v4l2"]);
        arguments.AddRange(["-show_entries", $"stream=index,codec_type,width,height,sample_aspect_ratio,{SourceFilters.ProbeEntries}:stream_tags=rotate,{Transparency.AlphaTag}:stream_side_data=rotation:format=format_name,duration", "-of", "json",
            fromStandardInput ? "pipe:0" : spec.Kind == LiveSourceKind.File ? FfmpegPath.Local(spec.Location) : spec.Location]);
        return arguments;
    }

    /// <summary>Kills the attempt when no frame has come for the stall timeout (also while connecting).</summary>
    async Task WatchAsync(FrameSink sink, CancellationTokenSource attempt)
    {
        try
        {
            while (!attempt.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), attempt.Token);
                if (Stopwatch.GetElapsedTime(sink.LastFrameTicks) > options.StallTimeout)
                {
                    sink.Stalled = true;
                    attempt.CancelQuietly();
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Reads ffmpeg's frames out of their NUT packets, stamps them as they come (keeping the connection's <see cref="SourceTimeline"/>) and queues them without waiting.</summary>
    sealed class FrameSink(LiveSource source, ChannelWriter<VideoFrame> output, int width, int height, SourceTimeline timeline, CancellationToken attemptToken) : IPipeSink
    {
        readonly FrameBufferPool _pool = new(width * height * 3);
        public long LastFrameTicks = Stopwatch.GetTimestamp();
        public volatile bool Stalled;
        public long Frames;

        public string GetStreamArguments() => "";

        /// <summary>
        /// Reads on a thread of its own, blocked in the pipe's read, so that a frame's capture time
        /// is taken the moment its last byte comes. An await would stamp it only when the thread
        /// pool ran the read's continuation: on a busy machine (the detector's crew on every core,
        /// a blocked pool) that is tens of milliseconds to seconds later, hidden from the latency
        /// figures, and the drop-oldest queue would judge frames by the wrong age. The read ends
        /// when ffmpeg's end of the pipe closes: at the stream's end, or when the attempt is
        /// cancelled and ffmpeg killed.
        /// </summary>
        public Task ReadAsync(Stream input, CancellationToken ffmpegExited) =>
            Task.Factory.StartNew(() => ReadFrames(input), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        void ReadFrames(Stream input)
        {
            Thread.CurrentThread.Name = "live source read";
            var reader = new Media.Nut.NutReader(input);
            // Frames that come after the attempt was cancelled (ffmpeg not yet gone) are not queued.
            while (!attemptToken.IsCancellationRequested)
            {
                Media.Nut.NutFrame packet;
                var frame = new VideoFrame(source._index, 0, width, height, _pool);
                try
                {
                    if (!reader.Next(out packet)) { frame.Dispose(); return; }
                    if (packet.Stream != 0 || packet.Size != frame.ByteCount)
                        throw new InvalidDataException($"a frame of {packet.Size} bytes where {frame.ByteCount} were expected");
                    reader.ReadData(frame.Pixels.AsSpan(0, frame.ByteCount));
                }
                catch (EndOfStreamException) { frame.Dispose(); return; } // ffmpeg stopped inside a frame
                catch { frame.Dispose(); throw; }
                long now = Stopwatch.GetTimestamp();
                frame.CapturedTicks = LastFrameTicks = now;
                // Its time: where the source's own time puts it, by the connection's map (not later
                // than its arrival; a bursty source's frames at their pace, SourceTimeline).
                double arrival = source._clock.Elapsed.TotalSeconds;
                frame.Timestamp = timeline.Frame(packet.Time, arrival);
                frame.SourceTime = packet.Time;
                frame.CapturedUtc = DateTime.UtcNow - TimeSpan.FromSeconds(arrival - frame.Timestamp);
                frame.Stream = source._stream;
                frame.FirstOfConnection = Frames == 0;
                Frames++;
                source._index++;
                source._status.FrameRead();
                // A drop-oldest channel accepts at once; a completed one (the run is stopping) does not.
                if (!output.TryWrite(frame)) frame.Dispose();
            }
        }

    }
}
