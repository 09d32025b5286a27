using System.Buffers.Binary;

namespace VideoAffect.Media;

/// <summary>
/// Whether an image file is an animation (a short clip: a GIF, an animated PNG, WebP or AVIF) rather than
/// a still picture, read from its blocks without decoding a pixel. A folder given to analyze
/// stands for its videos and its animations, not its photos; a photo is classify's.
/// </summary>
internal static class AnimatedImage
{
    /// <summary>True for a GIF with two or more images, a PNG with an animation control chunk (APNG) of two or more frames, an animated WebP, or an AVIF or HEIF image sequence; false for anything else, URLs and missing files.</summary>
    public static bool IsAnimatedFile(string path)
    {
        if (MediaLocation.IsUrl(path) || !File.Exists(path)) return false;
        try
        {
            using var file = new BufferedStream(File.OpenRead(path), 4096);
            var head = new byte[21];
            if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return false;
            if (WebP.WebPAnimation.IsAnimated(head)) return true;
            file.Position = 0;
            if (head.AsSpan(0, 6).SequenceEqual("GIF89a"u8) || head.AsSpan(0, 6).SequenceEqual("GIF87a"u8)) return GifImages(file, atMost: 2) >= 2;
            if (Classification.PngChunks.IsPng(head)) return ApngFrames(file) >= 2;
            // An AVIF or HEIF image sequence (ffmpeg writes animated AVIF so): said by its brand.
            return Classification.ImageHeader.MagickPhotoOf(path) is { Sequence: true };
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// The images (image descriptors) in a GIF, counted up to <paramref name="atMost"/>: after the
    /// header, the screen descriptor and its colour table, the file is a run of extension blocks
    /// (0x21), images (0x2C, with their own colour table and LZW data) and the trailer (0x3B); data
    /// comes in sub-blocks of up to 255 bytes ended by an empty one. A damaged file counts what came before the damage.
    /// </summary>
    internal static int GifImages(Stream gif, int atMost)
    {
        gif.Position = 10;
        int packed = gif.ReadByte();
        gif.Position = 13 + ColourTableBytes(packed);
        int images = 0;
        while (images < atMost)
        {
            switch (gif.ReadByte())
            {
                case 0x21:
                    if (gif.ReadByte() < 0 || !SkipSubBlocks(gif)) return images;
                    break;
                case 0x2C:
                    var descriptor = new byte[9];
                    if (gif.ReadAtLeast(descriptor, 9, throwOnEndOfStream: false) < 9) return images;
                    gif.Position += ColourTableBytes(descriptor[8]) + 1; // + the LZW minimum code size
                    if (!SkipSubBlocks(gif)) return images;
                    images++;
                    break;
                default: // 0x3B, the trailer, or damage
                    return images;
            }
        }
        return images;
    }

    /// <summary>A GIF colour table's size from a packed field: present when the top bit is set, 3 × 2^(n+1) bytes.</summary>
    static int ColourTableBytes(int packed) => packed >= 0 && (packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0;

    /// <summary>Skips sub-blocks up to and past the empty one; false when the file ends first.</summary>
    static bool SkipSubBlocks(Stream gif)
    {
        while (true)
        {
            int size = gif.ReadByte();
            if (size < 0) return false;
            if (size == 0) return true;
            gif.Position += size;
            if (gif.Position > gif.Length) return false;
        }
    }

    /// <summary>
    /// An APNG's frame count from its acTL chunk, which must come before the first IDAT (a PNG
    /// without one, or with it after the image data, is a still picture to every reader); 0 for a still PNG.
    /// </summary>
    internal static int ApngFrames(Stream png)
    {
        png.Position = 8;
        var chunk = new byte[12];
        while (png.ReadAtLeast(chunk.AsSpan(0, 8), 8, throwOnEndOfStream: false) == 8)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(chunk);
            var type = chunk.AsSpan(4, 4);
            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8)) return 0;
            if (type.SequenceEqual("acTL"u8))
                return length >= 8 && png.ReadAtLeast(chunk.AsSpan(0, 4), 4, throwOnEndOfStream: false) == 4
                    ? (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(chunk)) : 0;
            png.Position += length + 4; // the data and its CRC
            if (png.Position > png.Length) return 0;
        }
        return 0;
    }
}
