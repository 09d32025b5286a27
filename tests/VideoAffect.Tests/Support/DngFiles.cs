using System.Buffers.Binary;
using OpenCvSharp;

namespace VideoAffect.Tests.Support;

/// <summary>
/// Camera RAWs made here from a known picture, laid out as cameras and phones write them: a TIFF
/// whose first directory is a small 8-bit preview (an eighth of the size) and whose sensor data
/// (a Bayer mosaic, RGGB, 12 bits in 16) is in a sub-directory. The "camera" sees linear sRGB:
/// each photosite holds its colour's level made linear (the sRGB curve undone), its colour matrix
/// is XYZ to linear sRGB and its white balance neutral, so a correct developer gives back the
/// picture up to its tone curve and brightness. Written byte by byte here (no library of the
/// product's), after the DNG 1.4 specification's tags.
/// </summary>
static class DngFiles
{
    const ushort Byte = 1, Ascii = 2, Short = 3, Long = 4, Rational = 5, SRational = 10;
    const int White = 4095;

    /// <summary>
    /// Writes <paramref name="upright"/> stored turned back by what <paramref name="orientation"/>
    /// (1, 3, 6 or 8) says to turn it, with that tag. <paramref name="dngTags"/> false leaves out
    /// DNG's version and colour tags: a TIFF-structured RAW as Nikon's and Sony's are, which only
    /// its name or its structure tells apart.
    /// </summary>
    public static void Write(Mat upright, string path, int orientation = 1, bool dngTags = true)
    {
        using var stored = PhotoFiles.StoredFor(upright, orientation);
        int width = stored.Width & ~1, height = stored.Height & ~1;
        var mosaic = new byte[width * height * 2];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var bgr = stored.At<Vec3b>(y, x);
                // RGGB: red at even rows and columns, blue at odd ones, green between.
                byte level = (y % 2, x % 2) switch { (0, 0) => bgr.Item2, (1, 1) => bgr.Item0, _ => bgr.Item1 };
                BinaryPrimitives.WriteUInt16LittleEndian(mosaic.AsSpan((y * width + x) * 2), (ushort)Math.Round(Linear(level) * White));
            }
        using var small = stored.Resize(new Size(width / 8, height / 8), interpolation: InterpolationFlags.Area);
        using var rgb = small.CvtColor(ColorConversionCodes.BGR2RGB);
        rgb.GetArray(out Vec3b[] previewPixels);
        var preview = new byte[previewPixels.Length * 3];
        for (int i = 0; i < previewPixels.Length; i++) (preview[3 * i], preview[3 * i + 1], preview[3 * i + 2]) = (previewPixels[i].Item0, previewPixels[i].Item1, previewPixels[i].Item2);

        // XYZ to linear sRGB (IEC 61966-2-1): the camera's colour matrix, D65 its illuminant (21).
        double[] xyzToSrgb = [3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570];
        List<Entry> First(uint rawDirectory, uint previewAt) =>
        [
            new(254, Long, [1]), new(256, Long, [(uint)small.Width]), new(257, Long, [(uint)small.Height]), new(258, Short, [8, 8, 8]),
            new(259, Short, [1]), new(262, Short, [2]), new(271, Ascii, Text: "VideoAffect tests"), new(272, Ascii, Text: "linear sRGB"),
            new(273, Long, [previewAt]), new(274, Short, [(uint)orientation]), new(277, Short, [3]), new(278, Long, [(uint)small.Height]),
            new(279, Long, [(uint)preview.Length]), new(284, Short, [1]), new(330, Long, [rawDirectory]),
            .. dngTags
                ? new Entry[] { new(50706, Byte, [1, 4, 0, 0]), new(50707, Byte, [1, 1, 0, 0]), new(50708, Ascii, Text: "VideoAffect linear sRGB"),
                    new(50721, SRational, Fractions: xyzToSrgb), new(50728, Rational, Fractions: [1, 1, 1]), new(50778, Short, [21]) }
                : [],
        ];
        List<Entry> Raw(uint mosaicAt) =>
        [
            new(254, Long, [0]), new(256, Long, [(uint)width]), new(257, Long, [(uint)height]), new(258, Short, [16]), new(259, Short, [1]),
            new(262, Short, [32803]), new(273, Long, [mosaicAt]), new(277, Short, [1]), new(278, Long, [(uint)height]),
            new(279, Long, [(uint)mosaic.Length]), new(284, Short, [1]), new(33421, Short, [2, 2]), new(33422, Byte, [0, 1, 1, 2]),
            new(50714, Long, [0]), new(50717, Long, [White]),
        ];
        // The directories' sizes do not depend on the offsets in them: lay out once, then write.
        int firstSize = Directory(First(0, 0), 0).Length, rawSize = Directory(Raw(0), 0).Length;
        uint rawAt = 8 + (uint)firstSize, previewAt = rawAt + (uint)rawSize, mosaicAt = previewAt + (uint)preview.Length;
        using var file = File.Create(path);
        file.Write("II*\0"u8);
        file.Write(BitConverter.GetBytes(8u));
        file.Write(Directory(First(rawAt, previewAt), 8));
        file.Write(Directory(Raw(mosaicAt), rawAt));
        file.Write(preview);
        file.Write(mosaic);
    }

    /// <summary>An 8-bit sRGB level made linear, 0 to 1.</summary>
    static double Linear(byte level)
    {
        double v = level / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    sealed record Entry(ushort Tag, ushort Type, uint[]? Values = null, string? Text = null, double[]? Fractions = null);

    /// <summary>One directory at <paramref name="at"/>: its entries in tag order, no next directory, then the values that do not fit in an entry.</summary>
    static byte[] Directory(List<Entry> entries, uint at)
    {
        entries.Sort((a, b) => a.Tag.CompareTo(b.Tag));
        var head = new MemoryStream();
        var data = new MemoryStream();
        uint dataAt = at + 2 + (12 * (uint)entries.Count) + 4;
        head.Write(BitConverter.GetBytes((ushort)entries.Count));
        foreach (var e in entries)
        {
            byte[] bytes = e.Type switch
            {
                Ascii => [.. System.Text.Encoding.ASCII.GetBytes(e.Text!), 0],
                Byte => [.. e.Values!.Select(v => (byte)v)],
                Short => [.. e.Values!.SelectMany(v => BitConverter.GetBytes((ushort)v))],
                Long => [.. e.Values!.SelectMany(BitConverter.GetBytes)],
                Rational or SRational => [.. e.Fractions!.SelectMany(f => BitConverter.GetBytes((int)Math.Round(f * 10000)).Concat(BitConverter.GetBytes(10000)))],
                _ => throw new ArgumentOutOfRangeException(nameof(entries)),
            };
            int count = e.Type switch { Ascii or Byte => bytes.Length, Short => bytes.Length / 2, Long => bytes.Length / 4, _ => bytes.Length / 8 };
            head.Write(BitConverter.GetBytes(e.Tag));
            head.Write(BitConverter.GetBytes(e.Type));
            head.Write(BitConverter.GetBytes((uint)count));
            if (bytes.Length <= 4) head.Write([.. bytes, .. new byte[4 - bytes.Length]]);
            else
            {
                head.Write(BitConverter.GetBytes(dataAt + (uint)data.Length));
                data.Write(bytes);
                if (data.Length % 2 == 1) data.WriteByte(0); // values start on a word boundary
            }
        }
        head.Write(BitConverter.GetBytes(0u));
        return [.. head.ToArray(), .. data.ToArray()];
    }
}
