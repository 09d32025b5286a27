using System.Buffers.Binary;
using OpenCvSharp;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Photos as cameras and phones write them, made from an upright picture with independent tools:
/// JPEGs stored sideways with an EXIF orientation tag, HEIC tile grids with <c>irot</c> (and the
/// Exif tag phones repeat; tests/photos/make_heif.py with Debian's heif-enc), AVIF (heif-enc) and
/// JPEG XL (Debian's cjxl).
/// </summary>
static class PhotoFiles
{
    /// <summary>The upright picture stored turned back by what EXIF orientation 3, 6 or 8 says to turn it, with that tag.</summary>
    public static void JpegWithOrientation(Mat upright, int orientation, string path)
    {
        using var stored = StoredFor(upright, orientation);
        byte[] jpeg = stored.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 95));
        // APP1 "Exif": a big-endian TIFF header and one IFD with one entry, Orientation (0x0112, SHORT).
        var tiff = new byte[26];
        "MM"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), (ushort)orientation);
        byte[] app1 = [0xFF, 0xE1, 0, 0, .. "Exif\0\0"u8, .. tiff];
        BinaryPrimitives.WriteUInt16BigEndian(app1.AsSpan(2), (ushort)(app1.Length - 2));
        File.WriteAllBytes(path, [.. jpeg[..2], .. app1, .. jpeg[2..]]);
    }

    /// <summary>The upright picture as a camera stores it under EXIF/TIFF orientation 1, 3, 6 or 8 (a new Mat).</summary>
    public static Mat StoredFor(Mat upright, int orientation)
    {
        var stored = new Mat();
        // Orientation 6 means "turn 90 degrees clockwise to show", so the camera stored it turned anticlockwise.
        if (orientation == 1) upright.CopyTo(stored);
        else Cv2.Rotate(upright, stored, orientation switch
        {
            3 => RotateFlags.Rotate180,
            6 => RotateFlags.Rotate90Counterclockwise,
            8 => RotateFlags.Rotate90Clockwise,
            _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
        });
        return stored;
    }

    /// <summary>A phone's HEIC: the picture stored turned back by <paramref name="turns"/> quarter turns, as a grid of tiles, with irot and the Exif tag.</summary>
    public static void PhoneHeic(string uprightImage, string path, int turns, int tile) =>
        Run("/usr/bin/python3", [Path.Combine(TestPaths.RepoRoot, "tests", "photos", "make_heif.py"), uprightImage, path, "--turns", $"{turns}", "--tile", $"{tile}"]);

    /// <summary>A plain HEIC or AVIF (by the extension) from heif-enc, or a JPEG XL from cjxl (a bare codestream, or in its container).</summary>
    public static void Encode(string image, string path)
    {
        switch (Path.GetExtension(path))
        {
            case ".heic": Run("heif-enc", ["-q", "90", image, "-o", path]); break;
            case ".avif": Run("heif-enc", ["-A", "-q", "90", image, "-o", path]); break;
            case ".jxl": Run("cjxl", [image, path, "-d", "1", "--quiet", path.Contains("container") ? "--container=1" : "--container=0"]); break;
            default: throw new ArgumentException(path);
        }
    }

    static void Run(string tool, string[] arguments)
    {
        var r = ProcessRunner.Run(tool, arguments, TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} failed (./setup.sh installs libheif-examples, libjxl-tools and python3-opencv): {r.StandardError}");
    }

    /// <summary>Mean absolute difference per channel value of two images of one size.</summary>
    public static double MeanDifference(Mat a, Mat b)
    {
        Assert.Equal(a.Size(), b.Size());
        using var difference = new Mat();
        Cv2.Absdiff(a, b, difference);
        var mean = Cv2.Mean(difference);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }
}
