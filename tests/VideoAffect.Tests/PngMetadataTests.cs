using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// PNGs whose metadata libpng complains about (a grey photo saved with an RGB colour profile, a
/// rendering intent, significant bits, background or time out of range): libpng printed
/// "libpng warning: ..." on stderr, outside our messages, twice per photo. Those chunks are left
/// out of what OpenCV decodes; the reference for "nothing else changed" is OpenCV's own decoding
/// of each whole file, pixel for pixel, valid metadata (a gamma of 1.0, 5-6-5 significant bits,
/// which would change every pixel were they applied) and transparency (tRNS, which must stay) included.
/// </summary>
public class PngMetadataTests
{
    static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>The PNG with <paramref name="chunks"/> right after its IHDR (where colour chunks must be; any other may be).</summary>
    static byte[] WithChunks(byte[] png, params byte[][] chunks)
    {
        int afterHeader = 8 + 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(8));
        return [.. png[..afterHeader], .. chunks.SelectMany(c => c), .. png[afterHeader..]];
    }

    /// <summary>A minimal ICC profile header saying it describes <paramref name="space"/> ("RGB " or "GRAY").</summary>
    static byte[] IccProfile(string space)
    {
        var profile = new byte[256];
        BinaryPrimitives.WriteUInt32BigEndian(profile, (uint)profile.Length);
        BinaryPrimitives.WriteUInt32BigEndian(profile.AsSpan(8), 0x04300000);
        "mntr"u8.CopyTo(profile.AsSpan(12));
        System.Text.Encoding.ASCII.GetBytes(space).CopyTo(profile, 16);
        "XYZ "u8.CopyTo(profile.AsSpan(20));
        "acsp"u8.CopyTo(profile.AsSpan(36));
        using var compressed = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write(profile);
        return [.. "camera\0\0"u8.ToArray(), .. compressed.ToArray()];
    }

    static byte[] U32(params uint[] values) => values.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }).ToArray();

    /// <summary>Name, file bytes, and whether libpng warns about the file.</summary>
    static IEnumerable<(string Name, byte[] Png, bool Warns)> Variants()
    {
        byte[] colour = File.ReadAllBytes(TestPaths.Photo("astronaut.png"));
        // Grey as classify makes it from the colour photo, in 16 bits (level times 257: OpenCV's 8-bit reading gives the level back).
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        using var grey = photo.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var gray16 = new Mat();
        grey.ConvertTo(gray16, MatType.CV_16UC1, 257);
        Cv2.ImEncode(".png", gray16, out byte[] gray);
        byte[] time = [0x07, 0xE4, 6, 1, 12, 0, 0];
        yield return ("valid-colour-metadata", WithChunks(colour, Chunk("gAMA", U32(100000)), Chunk("sBIT", [5, 6, 5]),
            Chunk("cHRM", U32(31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)), Chunk("pHYs", [0, 0, 11, 19, 0, 0, 11, 19, 1]),
            Chunk("tEXt", [.. "Software\0camera"u8.ToArray()]), Chunk("tIME", time)), false);
        yield return ("transparent-key", WithChunks(colour, Chunk("tRNS", [0, 0, 0, 0, 0, 0])), false);
        yield return ("gray-with-rgb-profile", WithChunks(gray, Chunk("iCCP", IccProfile("RGB "))), true);
        yield return ("bad-intent", WithChunks(colour, Chunk("sRGB", [9])), true);
        yield return ("bad-significant-bits", WithChunks(colour, Chunk("sBIT", [0, 0, 0])), true);
        yield return ("bad-background", WithChunks(colour, Chunk("bKGD", [0])), true);
        yield return ("bad-time", WithChunks(colour, Chunk("tIME", [0x07, 0xE4, 13, 40, 25, 61, 61])), true);
    }

    [Fact]
    public void Unused_metadata_is_left_out_and_the_pixels_are_OpenCVs_own_for_the_whole_file()
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var (name, png, _) in Variants())
        {
            string path = dir.File(name + ".png");
            File.WriteAllBytes(path, png);
            Assert.Null(PngChunks.Damage(png));
            byte[] stripped = PngChunks.WithoutUnusedMetadata(png);
            Assert.True(stripped.Length < png.Length || name == "transparent-key", name);
            foreach (var mode in new[] { ImreadModes.Unchanged, ImreadModes.Color, ImreadModes.Grayscale })
            {
                using var expected = Cv2.ImRead(path, mode);
                using var actual = OpenCvImageFile.Read(path, mode, out string? warning);
                Assert.Null(warning); // libpng had nothing left to say
                Assert.False(expected.Empty(), name);
                Assert.Equal((expected.Size(), expected.Type()), (actual.Size(), actual.Type()));
                using var difference = new Mat();
                Cv2.Absdiff(expected, actual, difference);
                Assert.True(difference.Reshape(1).CountNonZero() == 0, $"{name} ({mode}): pixels differ from OpenCV's decoding of the file");
            }
        }
        // The key colour made transparent: four channels, as OpenCV gives them, so the chunk was kept.
        using var keyed = OpenCvImageFile.Read(dir.File("transparent-key.png"), ImreadModes.Unchanged, out _);
        Assert.Equal(4, keyed.Channels());
    }

    [Fact]
    public void Classify_prints_nothing_of_libpngs_and_finds_the_faces_of_the_clean_photo()
    {
        using var dir = TestPaths.NewTempFolder();
        var files = new List<string>();
        foreach (var (name, png, warns) in Variants().Where(v => v.Warns))
        {
            files.Add(dir.File(name + ".png"));
            File.WriteAllBytes(files[^1], png);
        }
        var r = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png"), .. files, "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Equal("", r.StandardError); // was two "libpng warning: ..." lines per file
        var faces = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("faces").GetRawText()).ToList();
        Assert.Equal(1 + files.Count, faces.Count);
        Assert.Contains("happy", faces[0]);
        Assert.All(faces.Skip(1), f => Assert.Equal(faces[0], f)); // the grey one too: the detector and the network see grey anyway
    }
}
