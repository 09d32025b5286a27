using System.Threading.Channels;
using VideoAffect.Media.WebP;

namespace VideoAffect.Media;

/// <summary>
/// The first stage of a file's pipeline: decodes the probed input into BGR24 frames at their own
/// times, the part asked for only, into a bounded channel, and completes it in the end (with the
/// error, if decoding failed).
/// </summary>
internal interface IFrameDecoder
{
    /// <summary>Frames handed on so far.</summary>
    long FramesDecoded { get; }

    /// <summary>What the decoder reported of damaged data it went past (concealed or left out).</summary>
    DecodeDamage Damage { get; }

    Task RunAsync(ChannelWriter<VideoFrame> output, CancellationToken token);
}

/// <summary>Which decoder reads a probed input: ffmpeg, or libwebp for an animated WebP (which ffmpeg cannot read).</summary>
internal static class FrameDecoders
{
    public static IFrameDecoder For(VideoInfo info, FrameBufferPool pool) =>
        info.Animation is not null ? new AnimatedWebPDecoder(info, pool) : new VideoFileDecoder(info, pool);
}
