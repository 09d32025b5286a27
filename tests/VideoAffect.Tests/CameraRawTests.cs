using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// Camera RAWs (a phone's DNG, a camera's CR3 or NEF) are read as the photo they hold, developed
/// by LibRaw and upright, not as the small preview most keep in their first directory: OpenCV read
/// a DNG's preview as if it were the photo, and classify reported a thumbnail's faces at a
/// thumbnail's coordinates without a word. The DNGs are made here from known pictures
/// (<see cref="DngFiles"/>: a Bayer mosaic of the picture made linear, a preview an eighth of its
/// size first); a developer's tone curve and brightness are its own, so pictures are compared by
/// their correlation, and faces with those OpenCV's JPEG path finds in the same photo.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class CameraRawTests
{
    /// <summary>The astronaut's top 320 rows: not square, so a wrong quarter turn changes the size.</summary>
    static Mat UprightPicture()
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        return photo[0, 320, 0, 512].Clone();
    }

    /// <summary>Pearson's correlation of two pictures' grey levels: 1 for the same picture under any brightness and contrast.</summary>
    static double Correlation(Mat a, Mat b)
    {
        using var grayA = a.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var grayB = b.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var result = new Mat();
        Cv2.MatchTemplate(grayA, grayB, result, TemplateMatchModes.CCoeffNormed);
        return result.At<float>(0, 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)] // a portrait: stored landscape, shown turned a quarter clockwise
    [InlineData(8)]
    public void A_DNG_is_read_as_its_developed_sensor_picture_upright(int orientation)
    {
        using var dir = TestPaths.NewTempFolder();
        using var upright = UprightPicture();
        string dng = dir.File("photo.dng");
        DngFiles.Write(upright, dng, orientation);
        Assert.Equal("camera RAW (DNG)", ImageHeader.MagickPhotoOf(dng)?.Name);

        using var read = StillImage.Read(dng);
        Assert.Equal(upright.Size(), read.Size());
        double same = Correlation(read, upright);
        using var turned = upright.Flip(FlipMode.XY);
        double halfTurned = Correlation(read, turned);
        // Measured: 0.998 against the picture at each orientation (demosaicing, LibRaw's tone curve
        // and auto brightness cost the rest), -0.1 against it turned half round.
        Assert.True(same > 0.98 && halfTurned < 0.5, $"correlation {same:0.000} with the picture, {halfTurned:0.000} with it turned half round");
        if (orientation == 1)
        {
            // What OpenCV made of it: the preview.
            using var opencv = Cv2.ImRead(dng, ImreadModes.Color);
            Assert.Equal(new Size(upright.Width / 8, upright.Height / 8), opencv.Size());
        }
    }

    [Fact]
    public void A_RAW_is_known_by_its_signature_its_name_or_its_structure()
    {
        using var dir = TestPaths.NewTempFolder();
        using var upright = UprightPicture();
        // Nikon's and Sony's RAWs are TIFFs that say nothing of themselves in their first bytes.
        string tiffRaw = dir.File("photo.nef");
        DngFiles.Write(upright, tiffRaw, dngTags: false);
        Assert.Equal("camera RAW (NEF)", ImageHeader.MagickPhotoOf(tiffRaw)?.Name);
        // Renamed or piped in: a preview first, with sub-directories after it, is no plain TIFF.
        foreach (string name in new[] { "photo.tif", "stdin" })
        {
            File.Copy(tiffRaw, dir.File(name));
            Assert.Equal("camera RAW", ImageHeader.MagickPhotoOf(dir.File(name))?.Name);
        }
        // A plain TIFF stays OpenCV's.
        Cv2.ImWrite(dir.File("plain.tif"), upright);
        Assert.Null(ImageHeader.MagickPhotoOf(dir.File("plain.tif")));

        // The others by their signatures, whatever their names.
        var signatures = new (string Format, byte[] Head)[]
        {
            ("CR2", [.. "II*\0"u8, 0x10, 0, 0, 0, .. "CR\u0002\0"u8]),
            ("CR3", [0, 0, 0, 0x18, .. "ftypcrx "u8, 0, 0, 0, 1, .. "crx isom"u8]),
            ("RAF", [.. "FUJIFILMCCD-RAW 0201FF383501"u8]),
            ("ORF", [.. "IIRO"u8, 8, 0, 0, 0]),
            ("RW2", [.. "IIU\0"u8, 8, 0, 0, 0]),
        };
        foreach (var (format, head) in signatures)
        {
            string path = dir.File($"{format}.bin");
            File.WriteAllBytes(path, [.. head, .. new byte[64]]);
            Assert.Equal($"camera RAW ({format})", ImageHeader.MagickPhotoOf(path)?.Name);
            Assert.Null(ImageHeader.VideoContainer(path)); // a CR3 is an ISO media file, but a photo
        }
    }

    [Fact]
    public void Classify_finds_the_faces_of_a_DNG_where_its_JPEG_has_them()
    {
        using var dir = TestPaths.NewTempFolder();
        string photos = dir.File("photos"), annotated = dir.File("annotated");
        Directory.CreateDirectory(photos);
        Directory.CreateDirectory(annotated);
        // face-api's group photo with three faces, and a DNG of it.
        File.Copy(TestPaths.Photo("faces/sample3.jpg"), Path.Combine(photos, "group.jpg"));
        using (var group = Cv2.ImRead(TestPaths.Photo("faces/sample3.jpg"), ImreadModes.Color))
            DngFiles.Write(group, Path.Combine(photos, "group.dng"));

        // A folder's photos include its RAWs.
        var r = ProcessRunner.Cli(["classify", photos, "--json", "--backend", "cpu", "--annotate", annotated], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var results = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["group.dng", "group.jpg"], results.Select(x => Path.GetFileName(x.GetProperty("image").GetString())));
        var raw = Faces(results[0]);
        var jpeg = Faces(results[1]);
        Assert.Equal((1920, 1350), (results[0].GetProperty("width").GetInt32(), results[0].GetProperty("height").GetInt32()));
        Assert.Equal(3, jpeg.Count);
        Assert.Equal(jpeg.Count, raw.Count);
        // Measured: IoU 0.975-0.985 with the JPEG's faces.
        foreach (var face in jpeg) Assert.True(raw.Max(f => IoU(f, face)) > 0.85, $"no face of the DNG where the JPEG has {face}: {string.Join(", ", raw)}");
        // The annotated copy of a RAW is a JPEG of the developed photo, named so as not to take
        // the name of the JPEG the camera wrote beside it.
        Assert.Equal(["group.annotated.jpg", "group.dng.annotated.jpg"], Directory.GetFiles(annotated).Select(Path.GetFileName).Order());
        using (var copy = Cv2.ImRead(Path.Combine(annotated, "group.dng.annotated.jpg"), ImreadModes.Color))
            Assert.Equal(new Size(1920, 1350), copy.Size());

        // Piped in, it is the same photo.
        var piped = ProcessRunner.Run("bash", ["-c", $"cat '{Path.Combine(photos, "group.dng")}' | dotnet '{TestPaths.CliAssembly}' classify - --json --backend cpu"], TimeSpan.FromSeconds(60));
        Assert.True(piped.ExitCode == 0, piped.StandardError);
        Assert.Equal(results[0].GetProperty("faces").GetRawText(), JsonDocument.Parse(piped.StandardOutput).RootElement.GetProperty("faces").GetRawText());

        // A RAW cut short (a card pulled out mid-copy) is one line.
        byte[] whole = File.ReadAllBytes(Path.Combine(photos, "group.dng"));
        File.WriteAllBytes(dir.File("cut.dng"), whole[..(whole.Length / 2)]);
        var cut = ProcessRunner.Cli(["classify", dir.File("cut.dng"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, cut.ExitCode);
        Assert.Equal($"videoaffect: error: '{dir.File("cut.dng")}' is a damaged or unsupported camera RAW (DNG) image: Input/output error", cut.StandardError.Trim());
    }

    static List<Rect> Faces(JsonElement result) =>
        [.. result.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("box"))
            .Select(b => new Rect(b.GetProperty("x").GetInt32(), b.GetProperty("y").GetInt32(), b.GetProperty("w").GetInt32(), b.GetProperty("h").GetInt32()))];

    static double IoU(Rect a, Rect b)
    {
        var overlap = a & b;
        double shared = overlap.Width * (double)overlap.Height;
        return shared / ((a.Width * (double)a.Height) + (b.Width * (double)b.Height) - shared);
    }
}
