using System.Buffers.Binary;

namespace VideoAffect.Classification;

/// <summary>
/// Writes TIFF directories (<see cref="TiffFirstDirectory.Entry"/>s, their values as they are, in
/// one byte order): a first directory with pointers to an Exif and a GPS directory written after
/// it, each followed by its values that do not fit in an entry. What <see cref="TiffExif"/> makes
/// a RAW's EXIF of, and <see cref="PhotoMetadata"/> appends to a TIFF copy.
/// </summary>
internal static class TiffWriter
{
    /// <summary>The tags of the Exif and GPS directories' pointers in the first directory.</summary>
    public const int ExifPointer = 34665, GpsPointer = 34853;
    const ushort Long = 4;

    /// <summary>Appends the directories at the end of <paramref name="output"/> (whose start is the TIFF's), on an even offset; returns the first one's offset.</summary>
    public static uint AppendDirectories(MemoryStream output, bool little, List<TiffFirstDirectory.Entry> first, List<TiffFirstDirectory.Entry>? exif, List<TiffFirstDirectory.Entry>? gps)
    {
        output.Position = output.Length;
        if (output.Length % 2 == 1) output.WriteByte(0); // directories start on a word boundary
        // Pointers are placeholders until the directories' places are known; their sizes do not depend on them.
        var head = first.Where(e => e.Tag is not (ExifPointer or GpsPointer)).ToList();
        if (exif is not null) head.Add(new(ExifPointer, Long, 1, new byte[4]));
        if (gps is not null) head.Add(new(GpsPointer, Long, 1, new byte[4]));
        uint firstAt = (uint)output.Length;
        uint exifAt = firstAt + (uint)Size(head), gpsAt = exifAt + (uint)(exif is null ? 0 : Size(exif));
        head = [.. head.Select(e => e.Tag == ExifPointer ? e with { Value = Bytes32(exifAt, little) } : e.Tag == GpsPointer ? e with { Value = Bytes32(gpsAt, little) } : e)];
        WriteDirectory(output, head, little);
        if (exif is not null) WriteDirectory(output, exif, little);
        if (gps is not null) WriteDirectory(output, gps, little);
        return firstAt;
    }

    /// <summary>A directory's bytes: its count, its entries, no next directory, then its values over 4 bytes, each on an even offset.</summary>
    static int Size(List<TiffFirstDirectory.Entry> entries) =>
        2 + (12 * entries.Count) + 4 + entries.Where(e => e.Value.Length > 4).Sum(e => (e.Value.Length + 1) & ~1);

    static void WriteDirectory(MemoryStream output, List<TiffFirstDirectory.Entry> entries, bool little)
    {
        entries.Sort((a, b) => a.Tag.CompareTo(b.Tag)); // the specification's order
        uint valuesAt = (uint)output.Length + 2 + (12 * (uint)entries.Count) + 4;
        var values = new MemoryStream();
        Span<byte> entry = stackalloc byte[12];
        Span<byte> count = stackalloc byte[2];
        Put16(count, (ushort)entries.Count, little);
        output.Write(count);
        foreach (var e in entries)
        {
            entry.Clear();
            Put16(entry, (ushort)e.Tag, little);
            Put16(entry[2..], (ushort)e.Type, little);
            Put32(entry[4..], e.Count, little);
            if (e.Value.Length <= 4) e.Value.CopyTo(entry[8..]);
            else
            {
                Put32(entry[8..], valuesAt + (uint)values.Length, little);
                values.Write(e.Value);
                if (values.Length % 2 == 1) values.WriteByte(0);
            }
            output.Write(entry);
        }
        output.Write(Bytes32(0, little));
        values.Position = 0;
        values.CopyTo(output);
    }

    /// <summary>A SHORT entry's value (one value: two bytes, left-justified in the entry).</summary>
    public static byte[] Bytes16(ushort value, bool little)
    {
        var b = new byte[2];
        Put16(b, value, little);
        return b;
    }

    public static byte[] Bytes32(uint value, bool little)
    {
        var b = new byte[4];
        Put32(b, value, little);
        return b;
    }

    static void Put16(Span<byte> at, ushort value, bool little)
    {
        if (little) BinaryPrimitives.WriteUInt16LittleEndian(at, value);
        else BinaryPrimitives.WriteUInt16BigEndian(at, value);
    }

    public static void Put32(Span<byte> at, uint value, bool little)
    {
        if (little) BinaryPrimitives.WriteUInt32LittleEndian(at, value);
        else BinaryPrimitives.WriteUInt32BigEndian(at, value);
    }
}
