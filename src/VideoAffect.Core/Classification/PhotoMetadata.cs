using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using ImageMagick;

namespace VideoAffect.Classification;

/// <summary>
/// What an annotated copy of a photo (`classify --annotate`) keeps of the photo's metadata: its
/// colour profile (an iPhone's Display P3, a camera's Adobe RGB: without it a viewer takes the
/// colours for sRGB and shows them dull) and its EXIF (when it was taken, which photo libraries
/// sort by, the camera, the place), with the orientation set to upright, as the copy is written
/// turned, and the thumbnail left out, which would show the photo without its boxes. They go into
/// the JPEG, PNG, WebP or TIFF that OpenCV encoded, as its segments, chunks or tags: its pixels are not touched.
/// Without <c>exif</c> (--anonymize: the place, the camera and its owner can name someone) only
/// the colour profile is kept, which names nobody. A TIFF copy gets them in its first directory, as
/// a camera's TIFF holds them; a BMP, which has no place for them, is written as OpenCV writes it.
/// </summary>
internal static class PhotoMetadata
{
    /// <summary>The metadata kept: EXIF as TIFF data (no "Exif" header), an ICC profile; either may be null.</summary>
    public sealed record Kept(byte[]? Exif, byte[]? Icc)
    {
        public static readonly Kept None = new(null, null);
    }

    static readonly byte[] ExifHeader = "Exif\0\0"u8.ToArray();
    static readonly byte[] IccHeader = "ICC_PROFILE\0"u8.ToArray();
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The photo's metadata to keep; none where ImageMagick cannot read it (the copy is still written).</summary>
    public static Kept Read(string photo, bool exif)
    {
        // A camera RAW, developed into sRGB (no profile to keep): LibRaw gives ImageMagick no EXIF,
        // which the RAW's own TIFF directories hold.
        if (ImageHeader.MagickPhotoOf(photo) is { Format: MagickFormat.Dng }) return new Kept(exif ? TiffExif.Of(photo) : null, null);
        try
        {
            using var image = new MagickImage();
            image.Ping(photo);
            // ImageMagick's WebP reader gives a WebP's profiles only when it reads the picture.
            if (image.Format == MagickFormat.WebP) image.Read(photo);
            byte[]? tiff = null;
            // A TIFF's EXIF is in its own directories, which ImageMagick gives as properties only.
            if (exif && image.Format is MagickFormat.Tiff or MagickFormat.Tiff64 or MagickFormat.Ptif) tiff = TiffExif.Of(photo);
            else if (exif && image.GetExifProfile() is { } profile)
            {
                profile.SetValue(ExifTag.Orientation, (ushort)1);
                profile.RemoveThumbnail();
                byte[] bytes = profile.ToByteArray();
                tiff = bytes.AsSpan().StartsWith(ExifHeader) ? bytes[ExifHeader.Length..] : bytes;
            }
            // The copy is RGB: a grey or CMYK photo's profile would not describe it.
            byte[]? icc = image.GetColorProfile() is { ColorSpace: ColorSpace.sRGB or ColorSpace.RGB } colour ? colour.ToByteArray() : null;
            return new Kept(tiff is { Length: > 0 } ? tiff : null, icc is { Length: > 0 } ? icc : null);
        }
        catch (MagickException) { return Kept.None; }
    }

    /// <summary>The encoded copy with <paramref name="kept"/> in it: a JPEG's APP1 and APP2 segments, a PNG's eXIf and iCCP chunks, a WebP's EXIF and ICCP chunks; other formats as they are.</summary>
    /// <param name="width">the picture's width (a WebP's extended header repeats it)</param>
    /// <param name="height">its height</param>
    public static byte[] Into(byte[] encoded, Kept kept, int width, int height)
    {
        if (kept.Exif is null && kept.Icc is null) return encoded;
        if (encoded.Length > 2 && encoded[0] == 0xFF && encoded[1] == 0xD8) return IntoJpeg(encoded, kept);
        if (encoded.AsSpan().StartsWith(PngSignature)) return IntoPng(encoded, kept);
        if (encoded.AsSpan().StartsWith("II*\0"u8) || encoded.AsSpan().StartsWith("MM\0*"u8)) return IntoTiff(encoded, kept);
        if (encoded.Length > 20 && encoded.AsSpan(0, 4).SequenceEqual("RIFF"u8) && encoded.AsSpan(8, 4).SequenceEqual("WEBP"u8)) return IntoWebP(encoded, kept, width, height);
        return encoded;
    }

    /// <summary>
    /// A TIFF with the photo's metadata in its first directory, as a camera's TIFF holds it: the
    /// profile as its ICC tag (34675), the EXIF's description of the photo (camera, date, author)
    /// as its own tags, and the EXIF's Exif and GPS directories after it, with an orientation that
    /// says upright. The directory OpenCV wrote is written again at the file's end with those tags
    /// added (its values as they were: the strips stay where they are) and the header points to it.
    /// EXIF in the other byte order than OpenCV's TIFF is left out (the profile is still kept).
    /// </summary>
    static byte[] IntoTiff(byte[] tiff, Kept kept)
    {
        using var output = new MemoryStream();
        output.Write(tiff);
        if (TiffFirstDirectory.Header(output) is not var (little, first)) return tiff;
        if (TiffFirstDirectory.Entries(output, little, first, whole: true) is not { } ifd0) return tiff;
        var entries = new List<TiffFirstDirectory.Entry>(ifd0);
        List<TiffFirstDirectory.Entry>? exifDirectory = null, gpsDirectory = null;
        if (kept.Exif is { } exif)
        {
            using var source = new MemoryStream(exif);
            if (TiffExif.Directories(source) is var (exifLittle, described, exifEntries, gpsEntries) && exifLittle == little)
            {
                entries.AddRange(described.Where(d => entries.All(e => e.Tag != d.Tag)));
                entries.RemoveAll(e => e.Tag == TiffExif.Orientation);
                entries.Add(new(TiffExif.Orientation, TiffExif.Short, 1, TiffWriter.Bytes16(1, little)));
                (exifDirectory, gpsDirectory) = (exifEntries, gpsEntries);
            }
        }
        const int IccProfile = 34675, Undefined = 7;
        if (kept.Icc is { } icc)
        {
            entries.RemoveAll(e => e.Tag == IccProfile);
            entries.Add(new(IccProfile, Undefined, (uint)icc.Length, icc));
        }
        uint at = TiffWriter.AppendDirectories(output, little, entries, exifDirectory, gpsDirectory);
        var result = output.ToArray();
        TiffWriter.Put32(result.AsSpan(4), at, little);
        return result;
    }

    /// <summary>
    /// A simple WebP (one VP8 or VP8L image chunk, as OpenCV writes an opaque picture) made extended:
    /// a VP8X header saying which of ICC and EXIF follow, the profile before the image, the EXIF after
    /// it, as the container's specification orders them. One already extended is left as it is.
    /// </summary>
    static byte[] IntoWebP(byte[] webp, Kept kept, int width, int height)
    {
        string first = System.Text.Encoding.ASCII.GetString(webp, 12, 4);
        if (first is not ("VP8 " or "VP8L")) return webp;
        using var body = new MemoryStream(webp.Length + (kept.Exif?.Length ?? 0) + (kept.Icc?.Length ?? 0) + 64);
        var header = new byte[10];
        header[0] = (byte)((kept.Icc is null ? 0 : 0x20) | (kept.Exif is null ? 0 : 0x08));
        WriteUInt24(header.AsSpan(4), width - 1);
        WriteUInt24(header.AsSpan(7), height - 1);
        RiffChunk(body, "VP8X", header);
        if (kept.Icc is { } icc) RiffChunk(body, "ICCP", icc);
        body.Write(webp, 12, webp.Length - 12); // the image chunk (and anything after it) as OpenCV wrote it
        if (kept.Exif is { } exif) RiffChunk(body, "EXIF", exif);
        var result = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(4 + body.Length));
        "WEBP"u8.CopyTo(result.AsSpan(8));
        body.ToArray().CopyTo(result, 12);
        return result;
    }

    static void WriteUInt24(Span<byte> at, int value)
    {
        at[0] = (byte)value;
        at[1] = (byte)(value >> 8);
        at[2] = (byte)(value >> 16);
    }

    /// <summary>A RIFF chunk: its type, its size (little-endian), its data, padded to an even length.</summary>
    static void RiffChunk(Stream output, string type, byte[] data)
    {
        Span<byte> head = stackalloc byte[8];
        System.Text.Encoding.ASCII.GetBytes(type, head);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)data.Length);
        output.Write(head);
        output.Write(data);
        if (data.Length % 2 == 1) output.WriteByte(0);
    }

    /// <summary>After the JPEG's start and its JFIF segment: APP1 "Exif", then the profile in APP2 "ICC_PROFILE" segments of up to 64 KB each.</summary>
    static byte[] IntoJpeg(byte[] jpeg, Kept kept)
    {
        int at = 2;
        if (jpeg.Length > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) at = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        using var output = new MemoryStream(jpeg.Length + (kept.Exif?.Length ?? 0) + (kept.Icc?.Length ?? 0) + 64);
        output.Write(jpeg, 0, at);
        // A segment holds at most 65,533 bytes; EXIF larger than that (a maker note gone wild) is left out.
        if (kept.Exif is { } exif && ExifHeader.Length + exif.Length <= 65533) Segment(output, 0xE1, ExifHeader, exif);
        if (kept.Icc is { } icc)
        {
            const int Chunk = 65533 - 14;
            int count = (icc.Length + Chunk - 1) / Chunk;
            if (count <= 255)
                for (int i = 0; i < count; i++)
                    Segment(output, 0xE2, [.. IccHeader, (byte)(i + 1), (byte)count], icc.AsSpan(i * Chunk, Math.Min(Chunk, icc.Length - i * Chunk)).ToArray());
        }
        output.Write(jpeg, at, jpeg.Length - at);
        return output.ToArray();
    }

    static void Segment(Stream output, byte marker, byte[] header, byte[] data)
    {
        Span<byte> start = [0xFF, marker, 0, 0];
        BinaryPrimitives.WriteUInt16BigEndian(start[2..], (ushort)(2 + header.Length + data.Length));
        output.Write(start);
        output.Write(header);
        output.Write(data);
    }

    /// <summary>After the PNG's IHDR (colour chunks must come before the image data): iCCP, then eXIf.</summary>
    static byte[] IntoPng(byte[] png, Kept kept)
    {
        int at = PngSignature.Length + 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(PngSignature.Length));
        using var output = new MemoryStream(png.Length + (kept.Exif?.Length ?? 0) + (kept.Icc?.Length ?? 0) + 64);
        output.Write(png, 0, at);
        if (kept.Icc is { } icc)
        {
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(icc);
            Chunk(output, "iCCP", [.. "icc\0"u8, 0, .. compressed.ToArray()]); // name, a zero, compression method 0 (zlib)
        }
        if (kept.Exif is { } exif) Chunk(output, "eXIf", exif);
        output.Write(png, at, png.Length - at);
        return output.ToArray();
    }

    static void Chunk(Stream output, string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        output.Write(chunk);
    }
}
