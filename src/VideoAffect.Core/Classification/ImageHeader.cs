using System.Buffers.Binary;
using ImageMagick;

namespace VideoAffect.Classification;

/// <summary>
/// What an image file says about itself before it is decoded: its pixel size (PNG, JPEG, BMP, GIF,
/// WebP), so that a huge image is refused before it takes gigabytes, and whether a JPEG reaches its
/// end, so that one cut short gets our one-line error (a PNG's chunks: <see cref="PngChunks"/>).
/// </summary>
internal static class ImageHeader
{
    /// <summary>The image's width and height, or null for a format not read here (OpenCV then decides).</summary>
    public static (int Width, int Height)? ReadSize(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[32];
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var h = head.AsSpan(0, n);
        if (n >= 24 && PngChunks.IsPng(h) && h[12..16].SequenceEqual("IHDR"u8))
            return (BinaryPrimitives.ReadInt32BigEndian(h[16..]), BinaryPrimitives.ReadInt32BigEndian(h[20..]));
        if (n >= 10 && (h[..6].SequenceEqual("GIF87a"u8) || h[..6].SequenceEqual("GIF89a"u8)))
            return (BinaryPrimitives.ReadUInt16LittleEndian(h[6..]), BinaryPrimitives.ReadUInt16LittleEndian(h[8..]));
        if (n >= 26 && h[0] == 'B' && h[1] == 'M')
            return (Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(h[18..])), Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(h[22..])));
        if (n >= 30 && h[..4].SequenceEqual("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8))
            return WebPSize(h);
        if (n >= 2 && h[0] == 0xFF && h[1] == 0xD8)
        {
            file.Position = 2;
            return JpegSize(file);
        }
        return null;
    }

    /// <summary>Whether the file starts as a JPEG does (a format without alpha).</summary>
    public static bool IsJpeg(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[3];
        return file.ReadAtLeast(head, 3, throwOnEndOfStream: false) == 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
    }

    /// <summary>
    /// A format <see cref="StillImage"/> hands to ImageMagick: one OpenCV's build cannot decode, or
    /// decodes as something else than the photo.
    /// </summary>
    /// <param name="Name">"HEIF", "AVIF", "JPEG XL", "DNG", "CR3", "JPEG 2000", ...: for messages</param>
    /// <param name="Extension">the extension its content has (a photo piped in is kept under it)</param>
    /// <param name="Format">the one decoder ImageMagick is told to use; null where it tells by the content itself</param>
    /// <param name="Upright">whether ImageMagick turns the picture by its orientation (a RAW's); HEIF's and JPEG XL's decoders turn it themselves</param>
    /// <param name="Sequence">a HEIF or AVIF image sequence (an animation), which ffmpeg may read as a clip; every other is one photo</param>
    public sealed record MagickPhoto(string Name, string Extension, MagickFormat? Format = null, bool Upright = false, bool Sequence = false);

    /// <summary>
    /// The format of a photo read with ImageMagick, from the file's first bytes: HEIF (HEIC) and
    /// AVIF, ISO base media files whose ftyp names an image brand; JPEG XL, as a bare codestream
    /// or in its own container; camera RAWs (<see cref="CameraRaw"/>); JPEG 2000 (OpenCV's
    /// OpenJPEG reader refuses one with subsampled colour, as ffmpeg and many cameras write it),
    /// Photoshop's PSD and QOI. Null for any other file.
    /// </summary>
    public static MagickPhoto? MagickPhotoOf(string path)
    {
        var head = new byte[64];
        int n;
        using (var file = File.OpenRead(path)) n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var h = head.AsSpan(0, n);
        if (n >= 2 && h[0] == 0xFF && h[1] == 0x0A) return new("JPEG XL", ".jxl");
        if (n >= 12 && h[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A])) return new("JPEG XL", ".jxl");
        if (n >= 12 && h[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0, 0, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A])) return new("JPEG 2000", ".jp2", MagickFormat.Jp2);
        if (n >= 4 && h[..4].SequenceEqual((ReadOnlySpan<byte>)[0xFF, 0x4F, 0xFF, 0x51])) return new("JPEG 2000", ".j2k", MagickFormat.J2k);
        if (n >= 6 && h[..4].SequenceEqual("8BPS"u8) && h[4] == 0 && h[5] is 1 or 2) return new("Photoshop", ".psd", MagickFormat.Psd);
        if (n >= 4 && h[..4].SequenceEqual("qoif"u8)) return new("QOI", ".qoi", MagickFormat.Qoi);
        // ImageMagick's DNG decoder is LibRaw, which tells every camera's format by its content.
        if (CameraRaw.Describe(path, h) is { } raw)
            return new(raw == CameraRaw.Unnamed ? raw : $"camera RAW ({raw})", raw == CameraRaw.Unnamed ? ".dng" : "." + raw.ToLowerInvariant(), MagickFormat.Dng, Upright: true);
        if (n < 16 || !h[4..8].SequenceEqual("ftyp"u8)) return null;
        int end = Math.Min(n, (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(h), (uint)n));
        // The major brand, then the compatible brands after the minor version; an AVIF also
        // names HEIF's generic brand (mif1), so AVIF's own brands decide first.
        var brands = new List<string>();
        for (int at = 8; at + 4 <= end; at += at == 8 ? 8 : 4) brands.Add(System.Text.Encoding.ASCII.GetString(h.Slice(at, 4)));
        if (brands.Any(b => b is "avif" or "avis")) return new("AVIF", ".avif", Sequence: brands[0] == "avis");
        if (brands.Any(b => b is "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "mif1" or "msf1")) return new("HEIF", ".heic", Sequence: brands[0] is "msf1" or "hevc" or "hevx");
        return null;
    }

    /// <summary>
    /// The kind of video file it starts as ("MP4/MOV", "Matroska/WebM", "AVI", "MPEG-TS", ...), or
    /// null: for the line that sends a video given to classify to analyze, instead of "not an image".
    /// An ISO media file naming an image brand (HEIF, AVIF) is a photo (<see cref="MagickPhotoOf"/>).
    /// </summary>
    public static string? VideoContainer(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[400];
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var h = head.AsSpan(0, n);
        if (n >= 12 && (h[4..8].SequenceEqual("ftyp"u8) || h[4..8].SequenceEqual("moov"u8) || h[4..8].SequenceEqual("mdat"u8) || h[4..8].SequenceEqual("wide"u8)))
            return MagickPhotoOf(path) is null ? "MP4/MOV" : null;
        if (n >= 4 && h[..4].SequenceEqual((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "Matroska/WebM";
        if (n >= 12 && h[..4].SequenceEqual("RIFF"u8) && h[8..12].SequenceEqual("AVI "u8)) return "AVI";
        if (n >= 8 && h[..8].SequenceEqual((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])) return "ASF/WMV";
        if (n >= 4 && h[..3].SequenceEqual("FLV"u8) && h[3] == 1) return "FLV";
        if (n >= 4 && h[..4].SequenceEqual("OggS"u8)) return "Ogg";
        if (n >= 4 && h[..4].SequenceEqual((ReadOnlySpan<byte>)[0, 0, 1, 0xBA])) return "MPEG program stream";
        if (n >= 377 && h[0] == 0x47 && h[188] == 0x47 && h[376] == 0x47) return "MPEG-TS";
        return null;
    }

    /// <summary>
    /// Null when the JPEG's data reaches its end-of-image marker; else what is wrong. Not a JPEG:
    /// null. A JPEG cut short (a download or a camera's upload interrupted) decodes without an
    /// error, its missing lower part grey, and libjpeg says only "Premature end of JPEG file" on
    /// stderr: a face there would be missed without a word. Segments are skipped by their lengths
    /// (the Exif thumbnail inside APP1 with them); after each start-of-scan the entropy-coded data is
    /// read to the next marker (stuffed 0xFF00 and restart markers are part of it), so a
    /// progressive JPEG's many scans are followed too. Data after the end marker (a phone's
    /// multi-picture trailer) is not looked at.
    /// </summary>
    public static string? JpegDamage(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return null;
        const string Truncated = "it is truncated (its data ends before the picture does)";
        int at = 2;
        while (true)
        {
            // At a marker: 0xFF (fill bytes may repeat it), then its code.
            if (at >= data.Length || data[at] != 0xFF) return at >= data.Length ? Truncated : "its markers are damaged";
            while (at < data.Length && data[at] == 0xFF) at++;
            if (at >= data.Length) return Truncated;
            int marker = data[at++];
            if (marker == 0xD9) return null; // end of image
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue; // no length
            if (at + 2 > data.Length) return Truncated;
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
            if (length < 2) return "its markers are damaged";
            at += length;
            if (at > data.Length) return Truncated;
            if (marker != 0xDA) continue;
            // Entropy-coded data up to the next marker that is not a stuffed byte or a restart.
            while (true)
            {
                int next = data.AsSpan(at).IndexOf((byte)0xFF);
                if (next < 0) return Truncated;
                at += next;
                if (at + 1 >= data.Length) return Truncated;
                byte code = data[at + 1];
                if (code == 0x00 || code is >= 0xD0 and <= 0xD7) { at += 2; continue; }
                if (code == 0xFF) { at++; continue; }
                break;
            }
        }
    }

    static (int, int)? WebPSize(ReadOnlySpan<byte> h)
    {
        var chunk = h[12..16];
        if (chunk.SequenceEqual("VP8X"u8)) return (1 + (h[24] | h[25] << 8 | h[26] << 16), 1 + (h[27] | h[28] << 8 | h[29] << 16));
        if (chunk.SequenceEqual("VP8 "u8)) return (BinaryPrimitives.ReadUInt16LittleEndian(h[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(h[28..]) & 0x3FFF);
        if (chunk.SequenceEqual("VP8L"u8))
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(h[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        return null;
    }

    /// <summary>Walks JPEG markers to the first start-of-frame (SOF0-SOF15, not DHT/JPG/DAC).</summary>
    static (int, int)? JpegSize(Stream file)
    {
        var buffer = new byte[7];
        while (true)
        {
            int b = file.ReadByte();
            if (b < 0) return null;
            if (b != 0xFF) continue;
            int marker;
            do marker = file.ReadByte(); while (marker == 0xFF);
            if (marker < 0) return null;
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) continue; // no length
            if (file.ReadAtLeast(buffer.AsSpan(0, 2), 2, throwOnEndOfStream: false) < 2) return null;
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (file.ReadAtLeast(buffer.AsSpan(0, 5), 5, throwOnEndOfStream: false) < 5) return null;
                return (BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(3)), BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(1)));
            }
            if (length < 2) return null;
            file.Seek(length - 2, SeekOrigin.Current);
        }
    }
}
