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

    /// <summary>The decoder's distinct lines, joined: "Corrupt JPEG data: 41 extraneous bytes before marker 0xd9".</summary>
    static string? Complaint(string written)
    {
        var lines = written.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        return lines.Count == 0 ? null : string.Join("; ", lines.Take(3)) + (lines.Count > 3 ? $" (and {lines.Count - 3} more)" : "");
    }

    static bool StartsAsPng(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && PngChunks.IsPng(head);
    }
}
