using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// Photos as phones and cameras write them are read upright, as a viewer shows them: JPEGs by
/// their EXIF orientation, phones' HEIC tile grids by their irot (not turned again by the Exif tag
/// they repeat), and AVIF and JPEG XL at all. The reference is the upright picture decoded by
/// OpenCV; the files are made from it by independent tools (Debian's heif-enc and cjxl, and
/// tests/photos/make_heif.py for the grid), so a wrong turn, a missing tile or a colour swap
/// shows as a large difference.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class PhotoFormatTests
{
    /// <summary>The astronaut's top 320 rows: not square, so a wrong quarter turn changes the size.</summary>
    static string UprightPicture(TempFolder dir)
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        using var top = photo[0, 320, 0, 512];
        string path = dir.File("upright.png");
        Cv2.ImWrite(path, top);
        return path;
    }

    static void AssertReadsAs(string path, string uprightPath)
    {
        using var upright = Cv2.ImRead(uprightPath, ImreadModes.Color);
        Assert.Equal((upright.Width, upright.Height), StillImage.ReadSize(path));
        using var read = StillImage.Read(path);
        Assert.Equal(upright.Size(), read.Size());
        Assert.InRange(PhotoFiles.MeanDifference(read, upright), 0, 3);
        // Lossy coding costs the 3 levels above; half a turn costs far more, so the check can fail.
        using var turned = upright.Flip(FlipMode.XY);
        Assert.True(PhotoFiles.MeanDifference(read, turned) > 20);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)] // a phone held upright: stored landscape, shown turned a quarter clockwise
    public void A_phone_HEIC_grid_is_read_upright_whatever_its_irot(int turns)
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir);
        // 192-pixel tiles: 2 x 3 of them, the last row and column padded and cropped by the grid's size.
        PhotoFiles.PhoneHeic(upright, dir.File("photo.heic"), turns, tile: 192);
        Assert.Equal("HEIF", ImageHeader.MagickPhotoOf(dir.File("photo.heic"))?.Name);
        AssertReadsAs(dir.File("photo.heic"), upright);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    public void A_JPEG_is_read_upright_by_its_EXIF_orientation(int orientation)
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir);
        using var picture = Cv2.ImRead(upright, ImreadModes.Color);
        PhotoFiles.JpegWithOrientation(picture, orientation, dir.File("photo.jpg"));
        using var asStored = Cv2.ImRead(dir.File("photo.jpg"), ImreadModes.Color | ImreadModes.IgnoreOrientation);
        // Stored turned, so only the tag makes it upright.
        if (orientation == 3) Assert.True(PhotoFiles.MeanDifference(asStored, picture) > 20);
        else Assert.Equal(new Size(picture.Height, picture.Width), asStored.Size());
        using var read = StillImage.Read(dir.File("photo.jpg"));
        Assert.Equal(picture.Size(), read.Size());
        Assert.InRange(PhotoFiles.MeanDifference(read, picture), 0, 3);
    }

    [Theory]
    [InlineData("photo.heic", "HEIF")]
    [InlineData("photo.avif", "AVIF")]
    [InlineData("photo.jxl", "JPEG XL")]
    [InlineData("photo.container.jxl", "JPEG XL")]
    public void HEIC_AVIF_and_JPEG_XL_are_read_as_the_picture_they_hold(string name, string format)
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir);
        PhotoFiles.Encode(upright, dir.File(name));
        Assert.Equal(format, ImageHeader.MagickPhotoOf(dir.File(name))?.Name);
        Assert.Null(ImageHeader.VideoContainer(dir.File(name))); // an ISO media file, but a photo
        AssertReadsAs(dir.File(name), upright);
    }

    /// <summary>
    /// JPEG 2000 (as a JP2 file and as a bare codestream) and QOI, coded losslessly by ffmpeg, and
    /// Photoshop's PSD, written by ImageMagick, read as their picture, level for level; a JPEG 2000
    /// with subsampled colour, which OpenCV's OpenJPEG reader refuses ("tiles are not supported"),
    /// within the levels its lossy coding costs.
    /// </summary>
    [Theory]
    [InlineData("photo.jp2", "JPEG 2000", "-c:v jpeg2000 -pred dwt53 -pix_fmt rgb24")]
    [InlineData("photo.j2k", "JPEG 2000", "-c:v jpeg2000 -pred dwt53 -pix_fmt rgb24 -format j2k")]
    [InlineData("photo.qoi", "QOI", "-c:v qoi")]
    [InlineData("photo.psd", "Photoshop", "")] // ImageMagick writes it
    public void JPEG_2000_PSD_and_QOI_are_read_as_the_picture_they_hold(string name, string format, string coding)
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir), path = dir.File(name);
        if (name.EndsWith(".psd", StringComparison.Ordinal))
        {
            using var psd = new ImageMagick.MagickImage(upright);
            psd.Write(path, ImageMagick.MagickFormat.Psd);
        }
        else ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-i", upright, .. coding.Split(' '), path]);
        Assert.Equal(format, ImageHeader.MagickPhotoOf(path)?.Name);
        using var expected = Cv2.ImRead(upright, ImreadModes.Color);
        Assert.Equal((expected.Width, expected.Height), StillImage.ReadSize(path));
        using var read = StillImage.Read(path);
        Assert.Equal(0, PhotoFiles.MeanDifference(read, expected));
    }

    /// <summary>A TIFF in CIELab colours (a scanner's, Photoshop's), which OpenCV's libtiff converts only roughly.</summary>
    [Fact]
    public void A_CIELab_TIFF_is_read_in_its_colours()
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir), lab = dir.File("scan.tif");
        using (var image = new ImageMagick.MagickImage(upright))
        {
            image.ColorSpace = ImageMagick.ColorSpace.Lab;
            image.Write(lab, ImageMagick.MagickFormat.Tiff);
        }
        Assert.Equal("CIELab", ProcessRunner.Tool("exiftool", "-s", "-s", "-s", "-PhotometricInterpretation", lab).Trim()); // exiftool's reading of the file
        using var expected = Cv2.ImRead(upright, ImreadModes.Color);
        using var opencv = Cv2.ImRead(lab, ImreadModes.Color);
        using var read = StillImage.Read(lab);
        double ours = PhotoFiles.MeanDifference(read, expected), theirs = PhotoFiles.MeanDifference(opencv, expected);
        // Measured: 1.68 levels (Lab at 8 bits and back), OpenCV's own conversion 3.98 (Debian's
        // OpenCV 4.6: 6.9 on a group photo, 25 at its 99th percentile).
        Assert.True(ours < 2.5 && theirs > 2 * ours, $"ours {ours:0.00} levels off the picture, OpenCV's {theirs:0.00}");
    }

    [Fact]
    public void A_JPEG_2000_with_subsampled_colour_is_read_as_its_picture()
    {
        using var dir = TestPaths.NewTempFolder();
        string upright = UprightPicture(dir);
        // A JP2's YCbCr is sYCC, full range: ffmpeg is told so, as it would otherwise store video
        // levels (16-235) under that tag (9 levels off on average, read as the tag says).
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", upright, "-vf", "scale=out_range=full:out_color_matrix=bt601",
            "-c:v", "jpeg2000", "-pix_fmt", "yuv420p", dir.File("subsampled.jp2"));
        using (var refused = Cv2.ImRead(dir.File("subsampled.jp2"), ImreadModes.Color)) Assert.True(refused.Empty());
        AssertReadsAs(dir.File("subsampled.jp2"), upright);
    }

    /// <summary>
    /// The upright picture made transparent: alpha a ramp from 0 at the left to 255 at the right
    /// over the whole height, and white under it, as a cut-out's old background; and that picture
    /// composed over black, computed here level by level (c * a / 255, rounded).
    /// </summary>
    static (Mat Bgra, Mat OverBlack) TransparentPicture(string uprightPath, bool sixteenBits)
    {
        using var upright = Cv2.ImRead(uprightPath, ImreadModes.Color);
        var bgra = new Mat(upright.Rows, upright.Cols, sixteenBits ? MatType.CV_16UC4 : MatType.CV_8UC4);
        var overBlack = new Mat(upright.Rows, upright.Cols, MatType.CV_8UC3);
        for (int y = 0; y < upright.Rows; y++)
            for (int x = 0; x < upright.Cols; x++)
            {
                var c = upright.At<Vec3b>(y, x);
                int a = 255 * x / (upright.Cols - 1);
                // Where the picture is half transparent or more, white is stored under it.
                byte B(byte v) => a < 128 ? (byte)255 : v;
                var stored = new Vec3b(B(c.Item0), B(c.Item1), B(c.Item2));
                if (sixteenBits)
                    bgra.Set(y, x, new Vec4w((ushort)(stored.Item0 * 257), (ushort)(stored.Item1 * 257), (ushort)(stored.Item2 * 257), (ushort)(a * 257)));
                else
                    bgra.Set(y, x, new Vec4b(stored.Item0, stored.Item1, stored.Item2, (byte)a));
                byte Over(byte v) => (byte)Math.Round(v * a / 255.0);
                overBlack.Set(y, x, new Vec3b(Over(stored.Item0), Over(stored.Item1), Over(stored.Item2)));
            }
        return (bgra, overBlack);
    }

    /// <summary>
    /// A transparent PNG (8 and 16 bits) and AVIF are read composed over black, as a transparent
    /// video is decoded, not with the colour stored under their transparent pixels (white here).
    /// </summary>
    [Theory]
    [InlineData("photo.png", false)]
    [InlineData("photo.png", true)]
    [InlineData("photo.avif", false)]
    public void A_transparent_photo_is_read_over_black(string name, bool sixteenBits)
    {
        using var dir = TestPaths.NewTempFolder();
        var (bgra, overBlack) = TransparentPicture(UprightPicture(dir), sixteenBits);
        using (bgra)
        using (overBlack)
        {
            string path = dir.File(name);
            if (name.EndsWith(".png")) Cv2.ImWrite(path, bgra);
            else
            {
                Cv2.ImWrite(dir.File("transparent.png"), bgra);
                PhotoFiles.Encode(dir.File("transparent.png"), path); // heif-enc keeps the alpha as an auxiliary image
            }
            using var read = StillImage.Read(path);
            Assert.Equal(overBlack.Size(), read.Size());
            // PNG: exact but for 16-bit rounding; AVIF: lossy (colour and alpha coded at quality 90).
            double tolerance = name.EndsWith(".png") ? 0.5 : 4;
            Assert.InRange(PhotoFiles.MeanDifference(read, overBlack), 0, tolerance);
            // The alpha dropped, the white under the left half shows: far from it, so the check can fail.
            using var dropped = bgra.Depth() == MatType.CV_16U ? new Mat() : bgra.CvtColor(ColorConversionCodes.BGRA2BGR);
            if (bgra.Depth() == MatType.CV_16U) bgra.ConvertTo(dropped, MatType.CV_8UC4, 1.0 / 256);
            using var droppedBgr = dropped.Channels() == 4 ? dropped.CvtColor(ColorConversionCodes.BGRA2BGR) : dropped.Clone();
            Assert.True(PhotoFiles.MeanDifference(droppedBgr, overBlack) > 40, $"the alpha dropped is only {PhotoFiles.MeanDifference(droppedBgr, overBlack):F1} levels away");
        }
    }

    /// <summary>
    /// classify on a folder of a group photo (six faces for the cascade), the same photo as a phone
    /// writes it (HEIC grid of 512-pixel tiles, turned by irot) and a damaged HEIC: the phone's copy
    /// gives the JPEG's faces and labels, its annotated copy is an upright JPEG, the damaged one is
    /// one line and exit code 2.
    /// </summary>
    [Fact]
    public void Classify_gives_a_phone_HEIC_the_faces_of_the_same_photo_as_JPEG()
    {
        using var dir = TestPaths.NewTempFolder();
        string photos = Directory.CreateDirectory(dir.File("photos")).FullName;
        string original = TestPaths.Photo("faces/sample2.jpg");
        File.Copy(original, Path.Combine(photos, "a.jpg"));
        PhotoFiles.PhoneHeic(original, Path.Combine(photos, "b.heic"), turns: 3, tile: 512);
        byte[] heic = File.ReadAllBytes(Path.Combine(photos, "b.heic"));
        File.WriteAllBytes(Path.Combine(photos, "c.heic"), heic[..(heic.Length / 2)]); // its second half (tiles) missing
        Directory.CreateDirectory(dir.File("out"));

        var r = ProcessRunner.Cli(["classify", photos, "--annotate", dir.File("out"), "--json", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        var error = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("videoaffect: error: '", error);
        Assert.Contains("c.heic' is a damaged or unsupported HEIF image: ", error);
        Assert.DoesNotContain("@ error/", error); // ImageMagick's source location is not for users
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a.jpg", "b.heic", "c.heic"], lines.Select(l => Path.GetFileName(l.GetProperty("image").GetString())));
        var jpeg = Faces(lines[0]);
        var phone = Faces(lines[1]);
        Assert.Equal(6, jpeg.Count);
        Assert.Equal((1920, 1367), (lines[1].GetProperty("width").GetInt32(), lines[1].GetProperty("height").GetInt32()));
        Assert.Equal(jpeg.Count, phone.Count);
        foreach (var (j, p) in jpeg.Zip(phone))
        {
            Assert.Equal(j.Label, p.Label);
            Assert.InRange(Math.Abs(j.X - p.X) + Math.Abs(j.Y - p.Y) + Math.Abs(j.W - p.W), 0, 8);
        }
        using var annotated = Cv2.ImRead(dir.File("out/b.annotated.jpg"), ImreadModes.Color);
        Assert.Equal(new Size(1920, 1367), annotated.Size());
        Assert.False(File.Exists(dir.File("out/c.annotated.jpg")));

        var limited = ProcessRunner.Cli(["classify", Path.Combine(photos, "b.heic"), "--max-megapixels", "2", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, limited.ExitCode);
        Assert.Contains("1920x1367 (2.6 megapixels), above the limit of 2", limited.StandardError);
    }

    static List<(int X, int Y, int W, string Label)> Faces(JsonElement line) =>
        line.GetProperty("faces").EnumerateArray()
            .Select(f => (f.GetProperty("box").GetProperty("x").GetInt32(), f.GetProperty("box").GetProperty("y").GetInt32(),
                f.GetProperty("box").GetProperty("w").GetInt32(), f.GetProperty("label").GetString()!))
            .OrderBy(f => f.Item1).ThenBy(f => f.Item2).ToList();
}
