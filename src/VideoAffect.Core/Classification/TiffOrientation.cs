using System.Buffers.Binary;

namespace VideoAffect.Classification;

/// <summary>
/// A TIFF's orientation tag (274), read from its first directory. OpenCV 4.13's TIFF decoder
/// fails on a TIFF whose orientation turns it a quarter (5 to 8: "can't read data", an internal
/// check in imread_, even told to ignore the orientation), which is how cameras and scanners
/// store a portrait: such a TIFF is read by ImageMagick instead (<see cref="StillImage"/>). OpenCV
/// turns and mirrors the others (2 to 4) as it does a JPEG.
/// </summary>
internal static class TiffOrientation
{
    /// <summary>The orientation (1 to 8) of a TIFF file; null for another format, a TIFF without the tag, or a value out of range.</summary>
    public static int? Of(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> head = stackalloc byte[8];
            if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return null;
            bool little = head[0] == 'I' && head[1] == 'I';
            if (!little && !(head[0] == 'M' && head[1] == 'M')) return null;
            if (UInt16(head[2..], little) != 42) return null; // 43 is BigTIFF, which cameras do not write
            file.Position = UInt32(head[4..], little);
            Span<byte> count = stackalloc byte[2];
            if (file.ReadAtLeast(count, 2, throwOnEndOfStream: false) < 2) return null;
            int entries = Math.Min((int)UInt16(count, little), 4096);
            Span<byte> entry = stackalloc byte[12];
            for (int i = 0; i < entries; i++)
            {
                if (file.ReadAtLeast(entry, entry.Length, throwOnEndOfStream: false) < entry.Length) return null;
                // A SHORT (type 3) holds its value in the entry itself, in its first two bytes.
                if (UInt16(entry, little) == 274 && UInt16(entry[2..], little) == 3)
                    return (int)UInt16(entry[8..], little) is var value and >= 1 and <= 8 ? value : null;
            }
            return null;
        }
        catch (IOException) { return null; }
    }

    static uint UInt16(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    static uint UInt32(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
