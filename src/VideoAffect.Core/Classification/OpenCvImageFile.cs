using OpenCvSharp;

namespace VideoAffect.Classification;

/// <summary>
/// OpenCV's <c>imread</c> for photos and training images, except that a PNG is checked whole
/// first and decoded from memory without the chunks OpenCV does not use (<see cref="PngChunks"/>),
/// so that libpng prints nothing of its own on stderr: a damaged PNG is one
/// <see cref="VideoAffectException"/> line, a PNG with an odd colour profile is simply read.
/// </summary>
internal static class OpenCvImageFile
{
    /// <summary>The decoded image (empty where OpenCV cannot read the file, as <c>imread</c> gives it).</summary>
    public static Mat Read(string path, ImreadModes mode)
    {
        if (!StartsAsPng(path)) return Cv2.ImRead(path, mode);
        var data = File.ReadAllBytes(path);
        if (PngChunks.Damage(data) is { } damage) throw new VideoAffectException($"'{path}' is a damaged PNG: {damage}");
        return Cv2.ImDecode(PngChunks.WithoutUnusedMetadata(data), mode);
    }

    static bool StartsAsPng(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && PngChunks.IsPng(head);
    }
}
