using System.Runtime.InteropServices;
using System.Text.Json;
using VideoAffect.Classification;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// A JPEG that libjpeg decodes with a complaint ("Corrupt JPEG data: N extraneous bytes before
/// marker 0xd9": a camera's padding before the end marker, or bytes damaged in transit) is still
/// classified, as before, but libjpeg's line, which went to the terminal without the photo's name,
/// is now one `videoaffect: warning:` line that names the photo and quotes libjpeg, and the JSON
/// result carries it. The reference for the message is libjpeg's own text; for the faces, the
/// undamaged photo's.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public partial class DecoderWarningTests
{
    [LibraryImport("libc")] private static partial nint write(int fd, byte[] buffer, nint count);

    /// <summary>What native code writes to descriptor 2 is taken; what .NET code writes through Console.Error meanwhile is not.</summary>
    [Fact]
    public void Native_writes_to_stderr_are_taken_and_Console_Error_is_left_alone()
    {
        byte[] native = "native complaint\n"u8.ToArray();
        int result = NativeStderr.Capture(() =>
        {
            write(2, native, native.Length);
            Console.Error.WriteLine("(a managed line the test host shows; it must not be taken)");
            return 42;
        }, out string written);
        Assert.Equal(42, result);
        Assert.Equal("native complaint\n", written);
        // Put back: a second capture starts empty, and throwing through it still puts descriptor 2 back.
        Assert.Throws<InvalidOperationException>(() => NativeStderr.Capture<int>(() => throw new InvalidOperationException(), out _));
        NativeStderr.Capture(() => 0, out written);
        Assert.Equal("", written);
    }

    [Fact]
    public void A_jpeg_libjpeg_complains_about_is_classified_and_named_in_one_warning_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string clean = dir.File("clean.jpg");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-frames:v", "1", clean);
        byte[] jpeg = File.ReadAllBytes(clean);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);
        // Padding before the end marker: the picture is whole.
        File.WriteAllBytes(dir.File("padded.jpg"), [.. jpeg[..^2], 0, 0, 0, 0, .. jpeg[^2..]]);
        // Bytes damaged in the lower half: the picture is not, and libjpeg says so in the same words.
        var damaged = (byte[])jpeg.Clone();
        for (int i = jpeg.Length * 3 / 4; i < jpeg.Length * 3 / 4 + 60; i += 3) damaged[i] ^= 0x5A;
        File.WriteAllBytes(dir.File("damaged.jpg"), damaged);

        var r = ProcessRunner.Cli(["classify", clean, dir.File("padded.jpg"), dir.File("damaged.jpg"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith($"videoaffect: warning: '{dir.File("padded.jpg")}' may be damaged; its decoder said: Corrupt JPEG data: ", errors[0]);
        Assert.StartsWith($"videoaffect: warning: '{dir.File("damaged.jpg")}' may be damaged; its decoder said: Corrupt JPEG data: ", errors[1]);
        var results = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, results.Count);
        Assert.False(results[0].TryGetProperty("decode_warning", out _));
        Assert.StartsWith("Corrupt JPEG data: ", results[1].GetProperty("decode_warning").GetString());
        Assert.Equal(errors[1][(errors[1].IndexOf("Corrupt", StringComparison.Ordinal))..], results[2].GetProperty("decode_warning").GetString());
        // The padded photo is the clean one, face for face; the astronaut's face is in the top half, untouched.
        Assert.Equal(results[0].GetProperty("faces").GetRawText(), results[1].GetProperty("faces").GetRawText());
        Assert.Equal(1, results[2].GetProperty("faces").GetArrayLength());
    }

    /// <summary>
    /// A TIFF or BMP cut short: OpenCV's decoder printed its own "[ERROR:0@0.02] global
    /// grfmt_tiff.cpp:116 TIFF_Error ..." lines before our error line. Now the one error line says
    /// what the decoder said, in its words, without OpenCV's log decoration.
    /// </summary>
    [Fact]
    public void A_tiff_or_bmp_cut_short_is_one_error_line_with_the_decoders_reason()
    {
        using var dir = TestPaths.NewTempFolder();
        foreach (var extension in new[] { "tif", "bmp" })
        {
            string whole = dir.File($"whole.{extension}");
            ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", TestPaths.Photo("astronaut.png"), "-frames:v", "1", whole);
            byte[] bytes = File.ReadAllBytes(whole);
            File.WriteAllBytes(dir.File($"cut.{extension}"), bytes[..(bytes.Length / 2)]);
        }
        var r = ProcessRunner.Cli(["classify", dir.File("cut.tif"), dir.File("whole.tif"), dir.File("cut.bmp"), dir.File("whole.bmp"), "--backend", "cpu", "--json"], timeoutSeconds: 90);
        Assert.Equal(2, r.ExitCode);
        var errors = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith($"videoaffect: error: '{dir.File("cut.tif")}' is not an image OpenCV can read (its decoder said: TIFF", errors[0]);
        Assert.StartsWith($"videoaffect: error: '{dir.File("cut.bmp")}' is not an image OpenCV can read (its decoder said: ", errors[1]);
        Assert.All(errors, e => Assert.DoesNotContain("[ERROR", e));
        var results = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([false, true, false, true], results.Select(l => l.TryGetProperty("faces", out _)));
    }
}
