using OpenCvSharp;

namespace VideoAffect.Classification;

/// <summary>
/// OpenCV's <c>imread</c> for photos and training images, in our words on stderr, never libpng's
/// or libjpeg's: a PNG is checked whole first (a damaged one is a <see cref="VideoAffectException"/>)
/// and decoded from memory without the metadata chunks OpenCV does not use (<see cref="PngChunks"/>);
/// what the decoder still says (a JPEG's "Corrupt JPEG data: ...") is taken (<see cref="NativeStderr"/>)
/// and handed back as a warning, for the caller to print with the file's name.
/// </summary>
internal static class OpenCvImageFile
{
    /// <summary>The decoded image (empty where OpenCV cannot read the file, as <c>imread</c> gives it), and what the decoder complained of, if anything.</summary>
    public static Mat Read(string path, ImreadModes mode, out string? warning)
    {
        string written;
        Mat image;
        if (!StartsAsPng(path)) image = NativeStderr.Capture(() => Cv2.ImRead(path, mode), out written);
        else
        {
            var data = File.ReadAllBytes(path);
            if (PngChunks.Damage(data) is { } damage) throw new VideoAffectException($"'{path}' is a damaged PNG: {damage}");
            image = NativeStderr.Capture(() => Cv2.ImDecode(PngChunks.WithoutUnusedMetadata(data), mode), out written);
        }
        warning = Complaint(written);
        return image;
    }

    /// <summary>
    /// The decoder's distinct lines, joined: "Corrupt JPEG data: 41 extraneous bytes before marker
    /// 0xd9" (libjpeg); OpenCV's own log lines without their level, source file and build path
    /// ("[ERROR:0@0.02] global grfmt_tiff.cpp:116 TIFF_Error TIFFFetchDirectory: Can not read TIFF
    /// directory count" says "TIFFFetchDirectory: Can not read TIFF directory count").
    /// </summary>
    static string? Complaint(string written)
    {
        var lines = written.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => OpenCvLogDecoration.Replace(l, "").Trim()).Where(l => l.Length > 0).Distinct().ToList();
        return lines.Count == 0 ? null : string.Join("; ", lines.Take(3)) + (lines.Count > 3 ? $" (and {lines.Count - 3} more)" : "");
    }

    /// <summary>"[ERROR:0@0.017] global loadsave.cpp:612 imread_ ", "imread_('FILE'): ", "TIFF_Error ", "OpenCV(4.13.0) /path/bitstrm.cpp:77: error: (-2:Unspecified error) ", " in function 'readBlock'".</summary>
    static readonly System.Text.RegularExpressions.Regex OpenCvLogDecoration = new(
        @"^\[\s*(?:WARN|ERROR|INFO|DEBUG|FATAL)[^\]]*\]\s*(?:global\s+\S+:\d+\s+\S+\s+)?|imread_\('[^']*'\):\s*|\bTIFF_(?:Error|Warning)\s+|OpenCV\(\d[^)]*\)\s+\S+:\d+:\s+error:\s+\(-?\d+:[^)]*\)\s*| in function '[^']*'$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    static bool StartsAsPng(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && PngChunks.IsPng(head);
    }
}
