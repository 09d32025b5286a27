namespace VideoAffect.Classification;

/// <summary>
/// Camera RAW files (DNG, which Android phones and iPhones' ProRAW write, and the cameras' own:
/// Canon's CR2/CR3, Nikon's NEF, Sony's ARW, Fujifilm's RAF, ...), which LibRaw (inside
/// ImageMagick) develops: demosaicing, the camera's white balance and colour matrix, sRGB.
/// Most are TIFFs whose first directory is a small preview, with the sensor's picture in a
/// sub-directory: OpenCV read a DNG as that preview (240x160, in a test DNG of a 1920x1280 photo) and found
/// the faces of a thumbnail, at its coordinates, without a word. So a RAW is known first, by its
/// content where it says what it is (DNG's version tag, Canon's, Olympus's, Panasonic's and
/// Fujifilm's signatures, a sensor-data directory) and otherwise by its extension.
/// </summary>
internal static class CameraRaw
{
    /// <summary>The extensions of camera RAW files (for a folder's photos, and the RAWs that say nothing of themselves in their first bytes).</summary>
    public static readonly string[] Extensions =
        [".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf", ".rw2", ".raf", ".pef", ".srw",
         ".3fr", ".fff", ".erf", ".kdc", ".dcr", ".mef", ".mos", ".mrw", ".x3f", ".iiq", ".rwl", ".raw"];

    /// <summary>What <see cref="Describe"/> calls a RAW known by its structure alone.</summary>
    public const string Unnamed = "camera RAW";

    // TIFF tags that only a RAW's first directory has.
    const int NewSubfileType = 254, PhotometricInterpretation = 262, SubIfds = 330, DngVersion = 50706;
    const uint ColourFilterArray = 32803, LinearRaw = 34892;

    /// <summary>The RAW format's name ("DNG", "CR3", "NEF", ...; <see cref="Unnamed"/> for one known by its structure alone), or null for a file that is not a camera RAW.</summary>
    public static string? Describe(string path, ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("FUJIFILMCCD-RAW"u8)) return "RAF";
        if (head.StartsWith("FOVb"u8)) return "X3F";
        if (head.StartsWith("\0MRM"u8)) return "MRW";
        if (head.Length >= 14 && head[..2].SequenceEqual("II"u8) && head[6..14].SequenceEqual("HEAPCCDR"u8)) return "CRW";
        if (head.Length >= 12 && head[4..12].SequenceEqual("ftypcrx "u8)) return "CR3";
        bool tiff = head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8);
        if (head.StartsWith("IIRO"u8) || head.StartsWith("IIRS"u8) || head.StartsWith("MMOR"u8)) return "ORF";
        if (head.StartsWith("IIU\0"u8)) return "RW2";
        if (!tiff) return null;
        if (head.Length >= 11 && head[8..11].SequenceEqual("CR\u0002"u8)) return "CR2";
        var tags = TiffFirstDirectory.Read(path);
        if (tags is not null && tags.ContainsKey(DngVersion)) return "DNG";
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (Extensions.Contains(extension)) return extension[1..].ToUpperInvariant();
        // A RAW piped in, or renamed: a first directory that is a reduced picture with
        // sub-directories after it, or sensor data itself, is no photo a TIFF reader shows whole.
        if (tags is null) return null;
        bool previewFirst = tags.TryGetValue(NewSubfileType, out uint kind) && (kind & 1) != 0 && tags.ContainsKey(SubIfds);
        bool sensorData = tags.TryGetValue(PhotometricInterpretation, out uint photometric) && photometric is ColourFilterArray or LinearRaw;
        return previewFirst || sensorData ? Unnamed : null;
    }
}
