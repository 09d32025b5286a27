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
/// the JPEG or PNG that OpenCV encoded, as its segments or chunks: its pixels are not touched.
/// Without <c>exif</c> (--anonymize: the place, the camera and its owner can name someone) only
/// the colour profile is kept, which names nobody. Other formats are written as OpenCV writes them.
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
        try
        {
            using var image = new MagickImage();
            image.Ping(photo);
            byte[]? tiff = null;
            if (exif && image.GetExifProfile() is { } profile)
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

    /// <summary>The encoded copy with <paramref name="kept"/> in it: a JPEG's APP1 and APP2 segments, a PNG's eXIf and iCCP chunks; other formats as they are.</summary>
    public static byte[] Into(byte[] encoded, Kept kept)
    {
        if (kept.Exif is null && kept.Icc is null) return encoded;
        if (encoded.Length > 2 && encoded[0] == 0xFF && encoded[1] == 0xD8) return IntoJpeg(encoded, kept);
        if (encoded.AsSpan().StartsWith(PngSignature)) return IntoPng(encoded, kept);
        return encoded;
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
