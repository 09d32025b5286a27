using System.Threading.Channels;
using VideoAffect.Media;

namespace VideoAffect.Tests.Support;

/// <summary>A file's frames as the pipeline's first stage hands them on: each frame's time (rounded to the microsecond) and its BGR24 pixels.</summary>
static class DecodedFrames
{
    public static async Task<List<(double Time, byte[] Bgr)>> ReadAsync(string path)
    {
        var info = await VideoProbe.ProbeAsync(path, CancellationToken.None);
        var channel = Channel.CreateUnbounded<VideoFrame>();
        await FrameDecoders.For(info, new FrameBufferPool(info.FrameBytes)).RunAsync(channel.Writer, CancellationToken.None);
        var frames = new List<(double, byte[])>();
        await foreach (var frame in channel.Reader.ReadAllAsync())
        {
            frames.Add((Math.Round(frame.Timestamp, 6), frame.Pixels[..frame.ByteCount]));
            frame.Dispose();
        }
        return frames;
    }
}
