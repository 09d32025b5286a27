using System.Threading.Channels;

namespace VideoAffect.Media.WebP;

/// <summary>
/// Decodes an animated WebP into the pipeline's frames: each canvas as libwebp composes it
/// (<see cref="WebPAnimDecoder"/>), at the time a browser shows it (<see cref="WebPAnimation"/>),
/// played once; the part asked for (--start, --end) by the frames' own times, as for videos.
/// </summary>
internal sealed class AnimatedWebPDecoder(VideoInfo info, FrameBufferPool pool) : IFrameDecoder
{
    long _frames;

    public long FramesDecoded => Interlocked.Read(ref _frames);

    /// <summary>Never any: libwebp either decodes a frame or fails the run.</summary>
    public DecodeDamage Damage { get; } = new();

    public Task RunAsync(ChannelWriter<VideoFrame> output, CancellationToken token) =>
        // libwebp decodes synchronously: on a thread of its own, as ffmpeg would be a process of its own.
        Task.Run(() => DecodeAsync(output, token), CancellationToken.None);

    async Task DecodeAsync(ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        string shown = MediaLocation.Shown(info.Path);
        try
        {
            var animation = info.Animation!;
            var starts = animation.StartsMs;
            double from = info.Range.From(info), to = info.Range.To(info);
            using var decoder = new WebPAnimDecoder(info.Path, shown);
            if (decoder.FrameCount != starts.Count || decoder.Width != info.Width || decoder.Height != info.Height)
                throw new VideoAffectException($"'{shown}' is not a readable animated WebP (its chunks and libwebp disagree on its frames)");
            for (int i = 0; i < starts.Count && !token.IsCancellationRequested; i++)
            {
                double time = starts[i] / 1000.0;
                if (time >= to - 1e-6) break;
                var frame = new VideoFrame(FramesDecoded, time, info.Width, info.Height, pool) { CapturedUtc = info.UtcAt(time) };
                bool decoded;
                try { decoded = decoder.Next(frame.Pixels.AsSpan(0, frame.ByteCount)); }
                catch { frame.Dispose(); throw; }
                if (!decoded)
                {
                    frame.Dispose();
                    throw new VideoAffectException($"decoding '{shown}' failed at frame {i} of {starts.Count} (damaged file)");
                }
                // Frames before the part are composed all the same: each may build on the last.
                if (time < from - 1e-6)
                {
                    frame.Dispose();
                    continue;
                }
                try { await output.WriteAsync(frame, token); }
                catch { frame.Dispose(); throw; }
                Interlocked.Increment(ref _frames);
            }
            token.ThrowIfCancellationRequested();
            if (FramesDecoded == 0)
                throw new VideoAffectException($"'{shown}' has no video frames in the part asked for ({info.Range.Description.TrimStart(',', ' ')})");
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
}
