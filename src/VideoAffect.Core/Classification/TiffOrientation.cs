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
    const int OrientationTag = 274;

    /// <summary>The orientation (1 to 8) of a TIFF file; null for another format, a TIFF without the tag, or a value out of range.</summary>
    public static int? Of(string path) =>
        TiffFirstDirectory.Read(path) is { } tags && tags.TryGetValue(OrientationTag, out uint value) && value is >= 1 and <= 8 ? (int)value : null;
}
