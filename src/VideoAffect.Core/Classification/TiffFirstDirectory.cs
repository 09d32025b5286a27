using System.Buffers.Binary;

namespace VideoAffect.Classification;

/// <summary>
/// The tags of a TIFF file's first directory (IFD0), read without decoding anything: what
/// <see cref="TiffOrientation"/> and <see cref="CameraRaw"/> decide by. Each tag keeps its first
/// value where the entry holds it (a SHORT or LONG); a tag whose values lie elsewhere is still
/// listed, with its first value unread (0).
/// </summary>
internal static class TiffFirstDirectory
{
    /// <summary>IFD0's tags and their first values; null for a file that is not a TIFF (nor a TIFF-based camera RAW) or whose first directory cannot be read.</summary>
    public static IReadOnlyDictionary<int, uint>? Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> head = stackalloc byte[8];
            if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return null;
            bool little = head[0] == 'I' && head[1] == 'I';
            if (!little && !(head[0] == 'M' && head[1] == 'M')) return null;
            // 42 is TIFF; Panasonic's RW2 (0x55) and Olympus's ORF ("RO", "RS") are TIFFs with a
            // number of their own; 43 is BigTIFF, which cameras do not write.
            if (UInt16(head[2..], little) is not (42 or 0x55 or 0x4F52 or 0x5352)) return null;
            file.Position = UInt32(head[4..], little);
            Span<byte> count = stackalloc byte[2];
            if (file.ReadAtLeast(count, 2, throwOnEndOfStream: false) < 2) return null;
            int entries = Math.Min((int)UInt16(count, little), 4096);
            var tags = new Dictionary<int, uint>();
            Span<byte> entry = stackalloc byte[12];
            for (int i = 0; i < entries; i++)
            {
                if (file.ReadAtLeast(entry, entry.Length, throwOnEndOfStream: false) < entry.Length) break;
                int tag = (int)UInt16(entry, little), type = (int)UInt16(entry[2..], little);
                uint values = UInt32(entry[4..], little);
                // A SHORT (type 3) holds its first value in the entry's first two bytes, a LONG
                // (4) or IFD (13) in all four, when the values fit in the entry's four bytes.
                tags.TryAdd(tag, type switch
                {
                    3 when values <= 2 => UInt16(entry[8..], little),
                    4 or 13 when values == 1 => UInt32(entry[8..], little),
                    _ => 0,
                });
            }
            return tags;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static uint UInt16(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    static uint UInt32(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
