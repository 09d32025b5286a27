using System.Diagnostics;
using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// Records a stream's annotated frames as H.264 MP4 segments of a fixed length
/// (NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4 in the folder: local time and its UTC offset) through the same frame pipe and x264 settings as
/// `analyze` (<see cref="TimedFramePipe"/>, <see cref="X264Output"/>), timed by each frame's capture, so
/// dropped frames and reconnects show as the gaps they were. A new frame size (after a reconnect)
/// closes the current recording and starts the next. Closing finalises the last segment. The
/// recording never holds the stream back: when the encoder falls behind by a queue's worth of
/// frames, frames are left out of the recording and counted (<paramref name="skipped"/>).
/// </summary>
/// <param name="colour">the current connection's colours (read at each new encoder: a reconnection may bring another camera)</param>
/// <param name="retention">which old segments to delete as the recording goes on (<see cref="RecordingRetention"/>); null keeps all</param>
internal sealed class SegmentRecorder(string directory, string streamName, TimeSpan segmentLength, Action<string>? log = null, Action? skipped = null, Func<OutputColour>? colour = null,
    RecordingRetention? retention = null) : IAsyncDisposable
{
    bool _skipLogged;
    /// <summary>A live stream's rate is not known ahead: the last frame of a segment lasts this long.</summary>
    const double NominalFrameSeconds = 1 / 25.0;
    Channel<VideoFrame>? _frames;
    Task? _encoder;
    (int Width, int Height) _size;


    /// <summary>Takes the frame (and disposes it once written).</summary>
    public async Task WriteAsync(VideoFrame frame)
    {
        retention?.Tick();
        // A recording that failed (its disk full, its folder gone) is said and closed; the frames
        // until the next try are left out and counted, and the next try starts a new segment.
        if (_encoder is { IsCompleted: true } && _frames is not null)
        {
            await CloseAsync();
            _retryAt = Stopwatch.GetTimestamp() + (long)(RetryAfter.TotalSeconds * Stopwatch.Frequency);
        }
        if (_frames is null && Stopwatch.GetTimestamp() < _retryAt)
        {
            frame.Dispose();
            skipped?.Invoke();
            return;
        }
        if (_frames is null || _size != (frame.Width, frame.Height))
        {
            await CloseAsync();
            _size = (frame.Width, frame.Height);
            _frames = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
            _encoder = EncodeAsync(_frames.Reader, frame.Width, frame.Height);
        }
        if (_frames.Writer.TryWrite(frame)) return;
        frame.Dispose();
        skipped?.Invoke();
        if (!_skipLogged) log?.Invoke($"{streamName}: the recording falls behind; frames are left out of it (counted), the stream goes on");
        _skipLogged = true;
    }

    async Task CloseAsync()
    {
        if (_frames is null) return;
        _frames.Writer.TryComplete();
        try { await _encoder!; }
        catch (VideoAffectException e) { log?.Invoke($"{streamName}: recording failed: {e.Message}; trying again in {RetryAfter.TotalSeconds:0} s, the stream goes on"); }
        while (_frames.Reader.TryRead(out var left)) left.Dispose(); // queued after a failed encoder stopped reading
        _frames = null;
    }

    /// <summary>How long after a failed recording the next is tried (a full disk may have been cleared).</summary>
    static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    long _retryAt;

    /// <summary>A recording's fragments are this long (or end at a key frame before that).</summary>
    const int FragmentMicroseconds = 1_000_000;

    async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height)
    {
        Directory.CreateDirectory(directory);
        var started = DateTime.UtcNow;
        // The segment muxer expands strftime's % codes in the whole path: a % of the folder's or stream's own stays one.
        // The local time with its UTC offset (%z): the hour a clock repeats when summer time ends
        // named its segments as the hour before, and overwrote them.
        string pattern = Path.Combine(directory.Replace("%", "%%"), $"{streamName.Replace("%", "%%")}-%Y%m%d-%H%M%S%z.mp4");
        // Frames at their capture times (seconds since the monitor started), so the recording keeps
        // the stream's real timing and dropped frames and outages show as the gaps they were.
        double origin = double.NaN;
        var pipe = new TimedFramePipe(input, width, height, NominalFrameSeconds, frame =>
        {
            if (double.IsNaN(origin)) origin = frame.Timestamp;
            return frame.Timestamp - origin;
        });
        var result = await FFMpegArguments.FromPipeInput(pipe)
            .OutputToFile(FfmpegPath.Escape(pattern), overwrite: true, o => X264Output.Apply(o, AnnotatedVideoEncoder.DefaultPreset, colour?.Invoke() ?? OutputColour.Bt709)
                // Every frame kept at its capture time; a key frame at each segment boundary, where the
                // segment muxer may cut.
                .WithCustomArgument("-fps_mode passthrough")
                .WithCustomArgument(FormattableString.Invariant($"-force_key_frames expr:gte(t,n_forced*{segmentLength.TotalSeconds:0.###})"))
                .WithCustomArgument(FormattableString.Invariant($"-f segment -segment_time {segmentLength.TotalSeconds:0.###} -reset_timestamps 1 -strftime 1 -segment_format mp4"))
                // Fragmented MP4, a fragment a second: a plain MP4's index is written when the
                // segment closes, so a power cut or a killed ffmpeg left the whole segment (up to
                // --segment-seconds) unplayable; now all but its last second plays.
                .WithCustomArgument($"-segment_format_options movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration={FragmentMicroseconds}:flush_packets=1"))
            .WithLogLevel(FFMpegLogLevel.Error)
            .RunAsync();
        // Drain what ffmpeg did not take, so every frame goes back to its pool.
        while (input.TryRead(out var left)) left.Dispose();
        if (!result.Success)
        {
            RemoveUnplayableSegments(started);
            throw new VideoAffectException(FfmpegErrors.Reason(string.Join('\n', result.StandardError)));
        }
    }

    /// <summary>
    /// The segments this failed encoder opened but could not write a frame to. While a disk stays
    /// full, each try (one every 5 s) made such a file: 720 empty .mp4 files an hour, each a
    /// "recording" that does not play; one the disk filled inside its first fragment kept its
    /// header and half a fragment (~4 KB, no frame). A segment with a whole fragment is kept: a
    /// fragmented MP4 plays up to its damage (<see cref="FragmentedMp4"/>).
    /// </summary>
    void RemoveUnplayableSegments(DateTime since)
    {
        try
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*.mp4"))
                if (IsSegmentOfThisStream(file.Name) && file.LastWriteTimeUtc >= since.AddSeconds(-1)
                    && FragmentedMp4.HoldsNoFrame(file.FullName))
                    file.Delete();
        }
        catch (IOException) { } // the folder gone or unreadable: the failure itself is what is said
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4 of this stream, not of a stream whose name starts with this one's ("cam" and "cam-2").</summary>
    bool IsSegmentOfThisStream(string name) =>
        name.StartsWith(streamName + "-", StringComparison.Ordinal)
        && System.Text.RegularExpressions.Regex.IsMatch(name[(streamName.Length + 1)..], @"^\d{8}-\d{6}[+-]\d{4}\.mp4$");

    public async ValueTask DisposeAsync() => await CloseAsync();
}
