using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Enums;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// Pushes a stream's annotated frames, live, to a media server or player (<see cref="RestreamTarget"/>):
/// H.264 by x264 as the recording has it (<see cref="X264Output"/>), without B-frames and with a
/// look-ahead of 5 frames (tuned for zero latency it took twice the bit rate), a key frame every
/// 2 s so that a viewer who joins sees a picture within that, each frame at its capture time. A
/// server that refuses, goes away or stops answering (10 s) is said and tried again 5 s later, the
/// frames meanwhile left out and counted; the stream itself goes on (<see cref="AnnotatedVideoOutput"/>):
/// a push that falls behind drops frames rather than add latency.
/// </summary>
/// <param name="maxBitrate">bits per second the push keeps to (x264's VBV with a buffer of one second: in any W seconds at most
/// W + 1 seconds' worth), for an uplink or a streaming site's limit; null: by quality alone, as the recording</param>
internal sealed class RestreamPush(RestreamTarget target, string streamName, long? maxBitrate = null, Action<string>? log = null, Action? skipped = null, Func<OutputColour>? colour = null,
    int? crf = null, StreamAudio? audio = null)
    : AnnotatedVideoOutput(streamName, "the restream", log, skipped, audio)
{
    /// <summary>Seconds between key frames: how long a viewer who joins may wait for a picture.</summary>
    const double KeyFrameSeconds = 2;

    protected override string FailedWhat => $"restream to {target.Shown(StreamName)}";

    /// <summary>
    /// A server that stops reading holds ffmpeg in a write until its 10 s timeout, and held the
    /// monitor's stop that long; at a close (the monitor stopping, a new frame size) the push gets
    /// this long to encode and send what it holds (well under a second here), then is stopped: what
    /// it still holds is stale for a live viewer.
    /// </summary>
    protected override TimeSpan? CloseLimit => TimeSpan.FromSeconds(3);

    protected override async Task EncodeAsync(ChannelReader<VideoFrame> input, int width, int height, AudioFeed? sound, CancellationToken stop)
    {
        string url = target.UrlFor(StreamName);
        using var ffmpegStop = new QuietCancellation(stop);
        var pipe = new TimedFramePipe(input, width, height, NominalFrameSeconds, CaptureTimes());
        var running = AudioFeed.Inputs(pipe, sound)
            .OutputToUrl(url, o => X264Output.Apply(o, AnnotatedVideoEncoder.DefaultPreset, colour?.Invoke() ?? OutputColour.Bt709, crf)
                .WithCustomArgument(AudioFeed.OutputArguments(sound))
                // No B-frames (WebRTC, which a media server may serve the push to, has none, and an RTSP
                // receiver lost their timestamps here), but 5 frames of look-ahead: 5 frames later than
                // tuned for zero latency, at half its bit rate (the sample clip at CRF 20: 196 against
                // 398 kbit/s; the recording's settings, with B-frames: 175).
                .WithCustomArgument("-x264-params rc-lookahead=5:bframes=0")
                .WithCustomArgument($"-fps_mode passthrough {CaptureTimeBase}")
                .WithCustomArgument(FormattableString.Invariant($"-force_key_frames expr:gte(t,n_forced*{KeyFrameSeconds})"))
                .WithCustomArgument(maxBitrate is { } rate ? FormattableString.Invariant($"-maxrate {rate} -bufsize {rate}") : "")
                .WithCustomArgument(target.FfmpegOptions))
            .WithLogLevel(FFMpegLogLevel.Error)
            .CancellableThrough(ffmpegStop.Token, TimeSpan.FromMilliseconds(200)) // 'q', then killed 0.2 s later: a process stuck in a write reads no 'q'
            .RunAsync();
        if (sound is not null) await sound.CarryAsync(pipe, running, fragmentedMp4: false);
        var result = await running;
        if (!result.Success)
            throw new VideoAffectException(SourceSecrets.Redact(FfmpegErrors.Reason(string.Join('\n', result.StandardError)).Replace(url, target.Shown(StreamName), StringComparison.Ordinal)));
    }
}
