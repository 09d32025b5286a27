using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// Records a stream's annotated frames as H.264 MP4 segments of a fixed length
/// (NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4 in the folder: local time and its UTC offset) through the same frame pipe and x264 settings as
/// `analyze` (<see cref="TimedFramePipe"/>, <see cref="X264Output"/>), timed by each frame's capture, so
/// dropped frames and reconnects show as the gaps they were. Closing finalises the last segment.
/// Like the restream, it never holds the stream back (<see cref="AnnotatedVideoOutput"/>): frames
/// it cannot take in time are left out and counted (<paramref name="skipped"/>).
/// </summary>
/// <param name="colour">the current connection's colours (read at each new encoder: a reconnection may bring another camera)</param>
/// <param name="retention">which old segments to delete as the recording goes on (<see cref="RecordingRetention"/>); null keeps all</param>
internal sealed class SegmentRecorder(string directory, string streamName, TimeSpan segmentLength, Action<string>? log = null, Action? skipped = null, Func<OutputColour>? colour = null,
    RecordingRetention? retention = null, int? crf = null, StreamAudio? audio = null) : AnnotatedVideoOutput(streamName, "the recording", log, skipped, audio)
{
    protected override string FailedWhat => "recording";

    protected override void BeforeFrame() => retention?.Tick();

    /// <summary>A recording's fragments are this long (or end at a key frame before that).</summary>
    const int FragmentMicroseconds = 1_000_000;

    protected override async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop)
    {
        Directory.CreateDirectory(directory);
        // A segment is named for the second it starts in, and ffmpeg writes over a file of that
        // name: an encoder started in the second the last one's segment started (a new frame size,
        // or sound, right after a connection's start) would have replaced that segment. It waits
        // for the next second instead; its frames wait in its queue meanwhile.
        while (File.Exists(SegmentPath(DateTimeOffset.Now)))
            await Task.Delay(TimeSpan.FromMilliseconds(1001 - DateTimeOffset.Now.Millisecond), stop);
        var started = DateTime.UtcNow;
        // The segment muxer expands strftime's % codes in the whole path: a % of the folder's or stream's own stays one.
        // The local time with its UTC offset (%z): the hour a clock repeats when summer time ends
        // named its segments as the hour before, and overwrote them.
        string pattern = Path.Combine(directory.Replace("%", "%%"), $"{StreamName.Replace("%", "%%")}-%Y%m%d-%H%M%S%z.mp4");
        // Frames at their capture times, so the recording keeps the stream's real timing and
        // dropped frames and outages show as the gaps they were.
        var pipe = new TimedFramePipe(input, width, height, NominalFrameSeconds, CaptureTimes());
        var running = AudioFeed.Inputs(pipe, sound)
            .OutputToFile(FfmpegPath.Escape(pattern), overwrite: true, o => X264Output.Apply(o, AnnotatedVideoEncoder.DefaultPreset, colour?.Invoke() ?? OutputColour.Bt709, crf)
                .WithCustomArgument(AudioFeed.OutputArguments(sound))
                // Every frame kept at its capture time; a key frame at each segment boundary, where the
                // segment muxer may cut.
                .WithCustomArgument($"-fps_mode passthrough {CaptureTimeBase}")
                .WithCustomArgument(FormattableString.Invariant($"-force_key_frames expr:gte(t,n_forced*{segmentLength.TotalSeconds:0.###})"))
                .WithCustomArgument(FormattableString.Invariant($"-f segment -segment_time {segmentLength.TotalSeconds:0.###} -reset_timestamps 1 -strftime 1 -segment_format mp4"))
                // Fragmented MP4, a fragment a second: a plain MP4's index is written when the
                // segment closes, so a power cut or a killed ffmpeg left the whole segment (up to
                // --segment-seconds) unplayable; now all but its last second plays.
                .WithCustomArgument($"-segment_format_options movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration={FragmentMicroseconds}:flush_packets=1"))
            .WithLogLevel(FFMpegLogLevel.Error)
            .RunAsync();
        if (sound is not null) await sound.CarryAsync(pipe, running, fragmentedMp4: true);
        var result = await running;
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

    /// <summary>The segment an encoder opening it at <paramref name="time"/> (local, with its UTC offset) writes: what strftime's %Y%m%d-%H%M%S%z gives.</summary>
    internal string SegmentPath(DateTimeOffset time)
    {
        var offset = time.Offset;
        string zone = $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}";
        return Path.Combine(directory, $"{StreamName}-{time.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)}{zone}.mp4");
    }

    /// <summary>NAME-YYYYmmdd-HHMMSS+ZZZZ.mp4 of this stream, not of a stream whose name starts with this one's ("cam" and "cam-2").</summary>
    bool IsSegmentOfThisStream(string name) =>
        name.StartsWith(StreamName + "-", StringComparison.Ordinal)
        && System.Text.RegularExpressions.Regex.IsMatch(name[(StreamName.Length + 1)..], @"^\d{8}-\d{6}[+-]\d{4}\.mp4$");
}
