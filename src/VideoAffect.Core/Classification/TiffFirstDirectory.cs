using System.Buffers.Binary;

namespace VideoAffect.Classification;

/// <summary>
/// A TIFF file's directories read without decoding a picture: the tags of the first one (IFD0),
/// which <see cref="TiffOrientation"/> and <see cref="CameraRaw"/> decide by, and any directory's
/// entries with their values, which <see cref="TiffExif"/> copies. Camera RAWs are TIFFs, some with
/// a number of their own in the header (Panasonic's RW2, Olympus's ORF).
/// </summary>
internal static class TiffFirstDirectory
{
    /// <summary>One entry: its tag, its TIFF type, its count, and its values' bytes in the file's byte order.</summary>
    public sealed record Entry(int Tag, int Type, uint Count, byte[] Value);

    /// <summary>The largest value copied (a maker's private data can be megabytes; EXIF holds 64 KB in all).</summary>
    const int MostValueBytes = 64 * 1024;

    /// <summary>IFD0's tags and their first values (a SHORT's, LONG's or IFD pointer's; 0 for other types); null for a file that is not a TIFF or whose first directory cannot be read.</summary>
    public static IReadOnlyDictionary<int, uint>? Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            if (Header(file) is not var (little, first)) return null;
            if (Entries(file, little, first) is not { } entries) return null;
            var tags = new Dictionary<int, uint>();
            foreach (var e in entries)
                tags.TryAdd(e.Tag, e.Type switch
                {
                    3 when e.Value.Length >= 2 => UInt16(e.Value, little),
                    4 or 13 when e.Value.Length >= 4 => UInt32(e.Value, little),
                    _ => 0,
                });
            return tags;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The byte order ("II" little-endian, "MM" big) and the first directory's offset; null for a file that is not a TIFF.</summary>
    public static (bool Little, uint First)? Header(Stream file)
    {
        Span<byte> head = stackalloc byte[8];
        file.Position = 0;
        if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return null;
        bool little = head[0] == 'I' && head[1] == 'I';
        if (!little && !(head[0] == 'M' && head[1] == 'M')) return null;
        // 42 is TIFF; Panasonic's RW2 (0x55) and Olympus's ORF ("RO", "RS") are TIFFs with a
        // number of their own; 43 is BigTIFF, which cameras do not write.
        if (UInt16(head[2..], little) is not (42 or 0x55 or 0x4F52 or 0x5352)) return null;
        return (little, UInt32(head[4..], little));
    }

    /// <summary>
    /// The entries of the directory at <paramref name="offset"/>, with their values; null where it
    /// cannot be read. Values over 64 KB are left out, unless <paramref name="whole"/>: then every
    /// entry is read whatever its size, or null returned (a directory to write back as it was).
    /// </summary>
    public static List<Entry>? Entries(Stream file, bool little, uint offset, bool whole = false)
    {
        if (offset < 8 || offset >= file.Length) return null;
        file.Position = offset;
        Span<byte> count = stackalloc byte[2];
        if (file.ReadAtLeast(count, 2, throwOnEndOfStream: false) < 2) return null;
        int declared = Math.Min((int)UInt16(count, little), 4096);
        var raw = new byte[12 * declared];
        int n = file.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false) / 12;
        if (whole && n < declared) return null;
        var entries = new List<Entry>(n);
        for (int i = 0; i < n; i++)
        {
            var e = raw.AsSpan(12 * i, 12);
            int tag = (int)UInt16(e, little), type = (int)UInt16(e[2..], little);
            uint values = UInt32(e[4..], little);
            long size = (long)values * TypeSize(type);
            bool readable = TypeSize(type) != 0 && size <= (whole ? Math.Min(file.Length, int.MaxValue) : MostValueBytes);
            byte[]? value = null;
            if (readable && size <= 4) value = e.Slice(8, (int)size).ToArray();
            else if (readable)
            {
                value = new byte[size];
                file.Position = UInt32(e[8..], little);
                if (file.ReadAtLeast(value, value.Length, throwOnEndOfStream: false) < value.Length) value = null;
            }
            if (value is not null) entries.Add(new Entry(tag, type, values, value));
            else if (whole) return null;
        }
        return entries;
    }

    /// <summary>Bytes per value of a TIFF type (BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE, IFD); 0 for an unknown type.</summary>
    public static int TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 => 8,
        _ => 0,
    };

    public static uint UInt16(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    public static uint UInt32(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
