using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// A TIFF is read upright whatever its orientation tag says: a camera's or a scanner's portrait
/// (orientation 6 or 8) used to be "not an image OpenCV can read", as OpenCV 4.13's TIFF decoder
/// fails on a TIFF it must turn a quarter (ImageMagick reads those now; OpenCV the others). For each
/// of the eight orientations, ffmpeg stores a photo turned and mirrored the other way (its
/// transpose and flip filters) in a lossless TIFF, exiftool writes the tag, and the TIFF must read
/// as the photo itself, pixel for pixel.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class TiffOrientationTests
{
    [Theory]
    [InlineData(1, "null")]
    [InlineData(2, "hflip")]
    [InlineData(3, "hflip,vflip")]
    [InlineData(4, "vflip")]
    [InlineData(5, "transpose=cclock_flip")]
    [InlineData(6, "transpose=cclock")]
    [InlineData(7, "transpose=clock_flip")]
    [InlineData(8, "transpose=clock")]
    public void Each_orientation_reads_as_the_upright_photo(int orientation, string storedAs)
    {
        using var dir = TestPaths.NewTempFolder();
        // Not square, and different in each corner, so that every turn and mirror shows.
        string upright = dir.File("upright.png"), tiff = dir.File("scan.tif");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-vf", "crop=320:200:40:10", upright);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", upright, "-vf", storedAs, tiff);
        ProcessRunner.Tool("exiftool", "-q", "-overwrite_original", $"-Orientation#={orientation}", tiff);
        Assert.Equal(orientation, TiffOrientation.Of(tiff));

        using var read = StillImage.Read(tiff);
        using var expected = Cv2.ImRead(upright, ImreadModes.Color);
        Assert.Equal((expected.Width, expected.Height), (read.Width, read.Height));
        using var difference = new Mat();
        Cv2.Absdiff(read, expected, difference);
        Assert.True(Cv2.CountNonZero(difference.Reshape(1)) == 0, $"orientation {orientation}: the pixels differ from the upright photo's");
    }

    [Fact]
    public void Other_files_have_no_tiff_orientation()
    {
        Assert.Null(TiffOrientation.Of(TestPaths.Photo("astronaut.png")));
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllBytes(dir.File("short.tif"), "II*\0"u8.ToArray());
        Assert.Null(TiffOrientation.Of(dir.File("short.tif")));
    }
}
