using System.Buffers.Binary;

namespace VideoAffect.Media.WebP;

/// <summary>
/// What an animated WebP's RIFF chunks say, read without decoding a picture: the canvas (VP8X) and
/// each frame's display duration (ANMF), in file order, which is the order frames are shown.
/// ffmpeg's WebP reader takes still images only, so an animated WebP is read by libwebp's own
/// animation decoder instead (<see cref="AnimatedWebPDecoder"/>); this gives the times.
/// </summary>
internal sealed record WebPAnimation(int CanvasWidth, int CanvasHeight, IReadOnlyList<int> DurationsMs)
{
    /// <summary>
    /// A frame that asks for 10 ms or less is shown for 100 ms, as Chromium and Firefox show it
    /// (images made to "flash as fast as possible" would otherwise run at the screen's rate or, at
    /// 0 ms, share their time with the next frame).
    /// </summary>
    public const int ShortestShownMs = 11, ShortDurationShownMs = 100;

    /// <summary>How long a frame that asks for <paramref name="durationMs"/> is on screen.</summary>
    public static int ShownMs(int durationMs) => durationMs < ShortestShownMs ? ShortDurationShownMs : durationMs;

    /// <summary>Each frame's presentation time in milliseconds from the start: the shown durations of the frames before it.</summary>
    public IReadOnlyList<long> StartsMs
    {
        get
        {
            var starts = new long[DurationsMs.Count];
            for (int i = 1; i < starts.Length; i++) starts[i] = starts[i - 1] + ShownMs(DurationsMs[i - 1]);
            return starts;
        }
    }

    /// <summary>The whole animation played once, in milliseconds.</summary>
    public long LengthMs => DurationsMs.Sum(d => (long)ShownMs(d));

    /// <summary>Whether a file starts as an animated WebP: RIFF....WEBP, then a VP8X chunk whose animation flag is set.</summary>
    public static bool IsAnimated(ReadOnlySpan<byte> head) =>
        head.Length >= 21 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 8).SequenceEqual("WEBPVP8X"u8) && (head[20] & 0x02) != 0;

    /// <summary>Whether the file at <paramref name="path"/> is an animated WebP (false for URLs and missing files).</summary>
    public static bool IsAnimatedFile(string path)
    {
        if (MediaLocation.IsUrl(path) || !File.Exists(path)) return false;
        var head = new byte[21];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && IsAnimated(head);
    }

    /// <summary>The canvas and frame durations; null when the chunks are not an animated WebP's or are cut short.</summary>
    public static WebPAnimation? Parse(ReadOnlySpan<byte> file)
    {
        if (!IsAnimated(file) || file.Length < 30) return null;
        // VP8X: flags (1), reserved (3), canvas width - 1 (24 bits), canvas height - 1 (24 bits).
        int width = UInt24(file[24..]) + 1, height = UInt24(file[27..]) + 1;
        var durations = new List<int>();
        long riffEnd = Math.Min(file.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(file[4..]));
        for (long at = 12; at + 8 <= riffEnd;)
        {
            var id = file.Slice((int)at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(file[(int)(at + 4)..]);
            long payload = at + 8;
            if (payload + size > file.Length) return null; // cut short
            // ANMF: x/2, y/2, width - 1, height - 1, duration (24 bits each), then flags and the frame's own chunks.
            if (id.SequenceEqual("ANMF"u8))
            {
                if (size < 16) return null;
                durations.Add(UInt24(file[(int)(payload + 12)..]));
            }
            at = payload + size + (size & 1); // chunks are padded to an even size
        }
        return durations.Count == 0 ? null : new WebPAnimation(width, height, durations);
    }

    static int UInt24(ReadOnlySpan<byte> b) => b[0] | b[1] << 8 | b[2] << 16;
}
