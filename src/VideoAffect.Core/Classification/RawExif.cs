using System.Buffers.Binary;

namespace VideoAffect.Classification;

/// <summary>
/// The EXIF of a camera RAW, for its annotated copy (<see cref="PhotoMetadata"/>): LibRaw hands
/// ImageMagick none, and photo libraries sort by when a photo was taken. A TIFF-based RAW (DNG,
/// NEF, ARW, CR2, ORF, RW2, PEF, ...) holds it as EXIF itself does, in TIFF directories: the
/// first directory's description of the photo (camera, date, author, copyright), its Exif
/// directory (exposure, lens, when it was taken) and its GPS directory (where). Those are copied
/// into a TIFF of their own, in the file's byte order, with their values as they are, and an
/// orientation that says upright, as the copy is written; left out are the pictures and the
/// sensor's tags, the maker's private note (whose offsets point into the RAW) and the
/// interoperability directory. A RAW that is not a TIFF (CR3, RAF, X3F) gives none.
/// </summary>
internal static class RawExif
{
    // IFD0's description of the photo: ImageDescription, Make, Model, Software, DateTime, Artist, Copyright.
    static readonly HashSet<int> Described = [270, 271, 272, 305, 306, 315, 33432];
    const int ExifPointer = 34665, GpsPointer = 34853, MakerNote = 37500, InteropPointer = 40965;
    const int Orientation = 274;
    const ushort Short = 3, Long = 4;

    /// <summary>The EXIF as TIFF data (no "Exif" header), or null where the RAW has none.</summary>
    public static byte[]? Of(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            if (TiffFirstDirectory.Header(file) is not var (little, first)) return null;
            if (TiffFirstDirectory.Entries(file, little, first) is not { } ifd0) return null;
            List<TiffFirstDirectory.Entry>? Directory(int pointer) =>
                ifd0.FirstOrDefault(e => e.Tag == pointer && e.Value.Length == 4) is { } p
                    ? TiffFirstDirectory.Entries(file, little, TiffFirstDirectory.UInt32(p.Value, little)) : null;
            var exif = Directory(ExifPointer)?.Where(e => e.Tag is not (MakerNote or InteropPointer)).ToList();
            var gps = Directory(GpsPointer);
            var described = ifd0.Where(e => Described.Contains(e.Tag)).ToList();
            if (described.Count == 0 && exif is not { Count: > 0 } && gps is not { Count: > 0 }) return null;
            return Write(little, described, exif is { Count: > 0 } ? exif : null, gps is { Count: > 0 } ? gps : null);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>A TIFF header, then IFD0 (with pointers to the Exif and GPS directories that follow it), each directory followed by its values that do not fit in an entry.</summary>
    static byte[] Write(bool little, List<TiffFirstDirectory.Entry> ifd0, List<TiffFirstDirectory.Entry>? exif, List<TiffFirstDirectory.Entry>? gps)
    {
        // Pointers are placeholders until the directories' places are known; their sizes do not depend on them.
        // The copy is written upright, and says so, as a JPEG's copy does.
        var first = new List<TiffFirstDirectory.Entry>(ifd0) { new(Orientation, Short, 1, little ? [1, 0] : [0, 1]) };
        if (exif is not null) first.Add(new(ExifPointer, Long, 1, new byte[4]));
        if (gps is not null) first.Add(new(GpsPointer, Long, 1, new byte[4]));
        uint exifAt = 8 + (uint)Size(first), gpsAt = exifAt + (uint)(exif is null ? 0 : Size(exif));
        first = [.. first.Select(e => e.Tag == ExifPointer ? e with { Value = Bytes(exifAt, little) } : e.Tag == GpsPointer ? e with { Value = Bytes(gpsAt, little) } : e)];

        using var output = new MemoryStream();
        output.Write(little ? "II*\0"u8 : "MM\0*"u8);
        output.Write(Bytes(8, little));
        WriteDirectory(output, first, little);
        if (exif is not null) WriteDirectory(output, exif, little);
        if (gps is not null) WriteDirectory(output, gps, little);
        return output.ToArray();
    }

    /// <summary>A directory's bytes: its count, its entries, no next directory, then its values over 4 bytes, each on an even offset.</summary>
    static int Size(List<TiffFirstDirectory.Entry> entries) =>
        2 + (12 * entries.Count) + 4 + entries.Where(e => e.Value.Length > 4).Sum(e => (e.Value.Length + 1) & ~1);

    static void WriteDirectory(MemoryStream output, List<TiffFirstDirectory.Entry> entries, bool little)
    {
        entries.Sort((a, b) => a.Tag.CompareTo(b.Tag)); // the specification's order
        uint at = (uint)output.Length;
        uint valuesAt = at + 2 + (12 * (uint)entries.Count) + 4;
        var values = new MemoryStream();
        Span<byte> entry = stackalloc byte[12];
        output.Write(Bytes16((ushort)entries.Count, little));
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
        output.Write(Bytes(0, little));
        values.Position = 0;
        values.CopyTo(output);
    }

    static byte[] Bytes(uint value, bool little)
    {
        var b = new byte[4];
        Put32(b, value, little);
        return b;
    }

    static byte[] Bytes16(ushort value, bool little)
    {
        var b = new byte[2];
        Put16(b, value, little);
        return b;
    }

    static void Put16(Span<byte> at, ushort value, bool little)
    {
        if (little) BinaryPrimitives.WriteUInt16LittleEndian(at, value);
        else BinaryPrimitives.WriteUInt16BigEndian(at, value);
    }

    static void Put32(Span<byte> at, uint value, bool little)
    {
        if (little) BinaryPrimitives.WriteUInt32LittleEndian(at, value);
        else BinaryPrimitives.WriteUInt32BigEndian(at, value);
    }
}
