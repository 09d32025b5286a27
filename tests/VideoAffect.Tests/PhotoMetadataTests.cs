using System.Text.Json;
using ImageMagick;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `classify --annotate` keeps a photo's colour profile and EXIF in its annotated copy: a phone's
/// photo, stored on its side with EXIF orientation 6, with the time it was taken, the camera, the
/// place, a thumbnail and an Adobe RGB profile, all written with exiftool (Debian's, not ours) and
/// read back from the copy with it. The copy is upright, so its orientation must say so; its
/// thumbnail (the photo without boxes) is gone; under --anonymize the EXIF goes and the profile stays.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class PhotoMetadataTests
{
    static readonly string[] Tags = ["DateTimeOriginal", "Make", "Model", "GPSLatitude", "GPSLongitude", "Orientation", "ProfileDescription", "ThumbnailImage", "ImageWidth", "ImageHeight"];

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".webp")]
    [InlineData(".tif")] // a scanner's or a camera's: its EXIF in its own directories, which ImageMagick gives as properties only
    public void An_annotated_copy_keeps_the_photos_colour_profile_and_EXIF_upright_without_its_thumbnail(string extension)
    {
        using var dir = TestPaths.NewTempFolder();
        string photo = PhonePhoto(dir, extension);
        var source = Read(photo);
        Assert.Equal(6L, source.GetProperty("Orientation").GetInt64()); // the material is what it claims to be
        Assert.Equal("Adobe RGB (1998)", source.GetProperty("ProfileDescription").GetString());
        if (extension == ".jpg") Assert.True(source.TryGetProperty("ThumbnailImage", out _), "the photo has a thumbnail");

        var copy = Annotate(dir, photo, []);
        foreach (string tag in new[] { "DateTimeOriginal", "Make", "Model", "GPSLatitude", "GPSLongitude", "ProfileDescription" })
            Assert.Equal(source.GetProperty(tag).ToString(), copy.GetProperty(tag).ToString());
        Assert.Equal(1L, copy.GetProperty("Orientation").GetInt64()); // written upright, said upright
        Assert.False(copy.TryGetProperty("ThumbnailImage", out _), "the photo's thumbnail, without the boxes, is left out");
        // Upright: the stored sideways photo's height is the copy's width.
        Assert.Equal((source.GetProperty("ImageHeight").GetInt64(), source.GetProperty("ImageWidth").GetInt64()),
            (copy.GetProperty("ImageWidth").GetInt64(), copy.GetProperty("ImageHeight").GetInt64()));
        // Still a picture OpenCV and ImageMagick read, the same pixels in both.
        string annotated = dir.File($"out/phone.annotated{extension}");
        // A WebP's extended header says what it holds, as libwebp's own webpmux reads it.
        if (extension == ".webp")
            Assert.Contains("Features present: ICC profile EXIF metadata", ProcessRunner.Tool("webpmux", "-info", annotated));
        using var decoded = Cv2.ImRead(annotated, ImreadModes.Unchanged | ImreadModes.IgnoreOrientation);
        Assert.False(decoded.Empty());
        using var magick = new MagickImage(annotated);
        Assert.Equal((decoded.Width, decoded.Height), ((int)magick.Width, (int)magick.Height));
    }

    [Fact]
    public void An_anonymized_copy_keeps_the_colour_profile_but_no_EXIF()
    {
        using var dir = TestPaths.NewTempFolder();
        string photo = PhonePhoto(dir, ".jpg");
        var copy = Annotate(dir, photo, ["--anonymize", "blur"]);
        foreach (string tag in new[] { "DateTimeOriginal", "Make", "Model", "GPSLatitude", "GPSLongitude", "ThumbnailImage" })
            Assert.False(copy.TryGetProperty(tag, out var value), $"{tag} is {value}");
        Assert.Equal("Adobe RGB (1998)", copy.GetProperty("ProfileDescription").GetString());
    }

    /// <summary>
    /// A camera RAW's copy keeps its EXIF too, though LibRaw gives ImageMagick none: a DNG made
    /// here, stored on its side with orientation 6, its tags written by exiftool.
    /// </summary>
    [Fact]
    public void A_camera_RAWs_annotated_copy_keeps_its_EXIF_upright()
    {
        using var dir = TestPaths.NewTempFolder();
        string photo = dir.File("phone.dng");
        using (var picture = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color))
        using (var upright = picture[0, 400, 0, 512]) // the phone photo's picture: not square, so a wrong quarter turn shows
            DngFiles.Write(upright, photo, orientation: 6);
        ProcessRunner.Tool("exiftool", [
            "-q", "-overwrite_original", "-DateTimeOriginal=2024:07:14 10:30:00", "-Make=Google", "-Model=Pixel 9",
            "-GPSLatitude=48.8584", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E", photo]);
        var source = Read(photo);
        Assert.Equal(6L, source.GetProperty("Orientation").GetInt64());

        Directory.CreateDirectory(dir.File("out"));
        var r = ProcessRunner.Cli(["classify", photo, "--annotate", dir.File("out")]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("1 face(s)", r.StandardOutput); // the face is found on the upright photo
        string annotated = dir.File("out/phone.dng.annotated.jpg");
        var copy = Read(annotated);
        foreach (string tag in new[] { "DateTimeOriginal", "Make", "Model", "GPSLatitude", "GPSLongitude" })
            Assert.Equal(source.GetProperty(tag).ToString(), copy.GetProperty(tag).ToString());
        Assert.Equal(1L, copy.GetProperty("Orientation").GetInt64());
        Assert.Equal((512L, 400L), (copy.GetProperty("ImageWidth").GetInt64(), copy.GetProperty("ImageHeight").GetInt64()));

        // Under --anonymize, none of it.
        File.Delete(annotated);
        var anonymized = ProcessRunner.Cli(["classify", photo, "--annotate", dir.File("out"), "--anonymize", "fill"]);
        Assert.True(anonymized.ExitCode == 0, anonymized.StandardError);
        var bare = Read(annotated);
        foreach (string tag in new[] { "DateTimeOriginal", "Make", "Model", "GPSLatitude", "GPSLongitude" })
            Assert.False(bare.TryGetProperty(tag, out var value), $"{tag} is {value}");
    }

    /// <summary>The astronaut photo as a phone stores a portrait: turned on its side, EXIF orientation 6 (turn 90 degrees clockwise to show), with tags, a thumbnail and a profile.</summary>
    static string PhonePhoto(TempFolder dir, string extension)
    {
        string photo = dir.File("phone" + extension);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-vf", "crop=512:400:0:0,transpose=cclock", "-q:v", "2", photo);
        File.WriteAllBytes(dir.File("adobe.icc"), ColorProfiles.AdobeRGB1998.ToByteArray());
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-vf", "scale=160:-1", dir.File("thumb.jpg"));
        ProcessRunner.Tool("exiftool", [
            "-q", "-overwrite_original", "-DateTimeOriginal=2024:07:14 10:30:00", "-Make=Apple", "-Model=iPhone 15",
            "-GPSLatitude=48.8584", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E", "-Orientation#=6",
            $"-ICC_Profile<={dir.File("adobe.icc")}", .. extension == ".jpg" ? new[] { $"-ThumbnailImage<={dir.File("thumb.jpg")}" } : [], photo]);
        return photo;
    }

    static JsonElement Annotate(TempFolder dir, string photo, string[] options)
    {
        Directory.CreateDirectory(dir.File("out"));
        var r = ProcessRunner.Cli(["classify", photo, "--annotate", dir.File("out"), .. options]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("1 face(s)", r.StandardOutput); // the face is found on the upright photo
        return Read(dir.File($"out/phone.annotated{Path.GetExtension(photo)}"));
    }

    /// <summary>exiftool's reading of the tags (-n: numbers as stored, so orientation 6 is 6).</summary>
    static JsonElement Read(string file) =>
        JsonDocument.Parse(ProcessRunner.Tool("exiftool", ["-j", "-n", .. Tags.Select(t => "-" + t), file])).RootElement[0];
}
