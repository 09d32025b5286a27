namespace VideoAffect.Classification;

/// <summary>
/// The EXIF of a TIFF or a TIFF-based camera RAW (DNG, NEF, ARW, CR2, ORF, RW2, PEF, ...), for its
/// annotated copy (<see cref="PhotoMetadata"/>): LibRaw hands ImageMagick none, and ImageMagick
/// reads a TIFF's as properties, not as a profile to copy; photo libraries sort by when a photo
/// was taken. Such a file holds it as EXIF itself does, in TIFF directories: the first
/// directory's description of the photo (camera, date, author, copyright), its Exif directory
/// (exposure, lens, when it was taken) and its GPS directory (where). Those are copied into a TIFF
/// of their own, in the file's byte order, with their values as they are, and an orientation that
/// says upright, as the copy is written; left out are the pictures and the sensor's tags, the
/// maker's private note (whose offsets point into the RAW) and the interoperability directory. A
/// RAW that is not a TIFF (CR3, RAF, X3F) gives none.
/// </summary>
internal static class TiffExif
{
    /// <summary>IFD0's description of the photo: ImageDescription, Make, Model, Software, DateTime, Artist, Copyright.</summary>
    public static readonly HashSet<int> Described = [270, 271, 272, 305, 306, 315, 33432];
    const int MakerNote = 37500, InteropPointer = 40965;
    /// <summary>The orientation tag, and SHORT, its type.</summary>
    public const int Orientation = 274, Short = 3;

    /// <summary>The EXIF as TIFF data (no "Exif" header), or null where the RAW has none.</summary>
    public static byte[]? Of(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            if (Directories(file) is not var (little, described, exif, gps)) return null;
            if (described.Count == 0 && exif is null && gps is null) return null;
            using var output = new MemoryStream();
            output.Write(little ? "II*\0"u8 : "MM\0*"u8);
            output.Write(TiffWriter.Bytes32(8, little));
            // The copy is written upright, and says so, as a JPEG's copy does.
            TiffWriter.AppendDirectories(output, little, [.. described, new(Orientation, Short, 1, TiffWriter.Bytes16(1, little))], exif, gps);
            return output.ToArray();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// A TIFF's (a RAW's, or EXIF's own) byte order, the description tags of its first directory,
    /// and its Exif (without the maker note and the interoperability pointer) and GPS directories,
    /// each null where absent or empty; null for data that is not a TIFF.
    /// </summary>
    public static (bool Little, List<TiffFirstDirectory.Entry> Described, List<TiffFirstDirectory.Entry>? Exif, List<TiffFirstDirectory.Entry>? Gps)? Directories(Stream tiff)
    {
        if (TiffFirstDirectory.Header(tiff) is not var (little, first)) return null;
        if (TiffFirstDirectory.Entries(tiff, little, first) is not { } ifd0) return null;
        List<TiffFirstDirectory.Entry>? Directory(int pointer) =>
            ifd0.FirstOrDefault(e => e.Tag == pointer && e.Value.Length == 4) is { } p
                ? TiffFirstDirectory.Entries(tiff, little, TiffFirstDirectory.UInt32(p.Value, little)) : null;
        var exif = Directory(TiffWriter.ExifPointer)?.Where(e => e.Tag is not (MakerNote or InteropPointer)).ToList();
        var gps = Directory(TiffWriter.GpsPointer);
        return (little, ifd0.Where(e => Described.Contains(e.Tag)).ToList(), exif is { Count: > 0 } ? exif : null, gps is { Count: > 0 } ? gps : null);
    }
}
