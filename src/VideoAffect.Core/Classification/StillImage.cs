using ImageMagick;
using OpenCvSharp;

namespace VideoAffect.Classification;

/// <summary>
/// Reads a photo the way a viewer shows it: upright, as 8-bit BGR. OpenCV decodes the formats it
/// knows (JPEG, PNG, WebP, TIFF, ...; it turns a JPEG by its EXIF orientation). Phones and the web
/// also write formats OpenCV's build cannot read: HEIC/HEIF (every iPhone photo since iOS 11),
/// AVIF and JPEG XL; those go through Magick.NET (ImageMagick with libheif, for HEIF and AVIF, and libjxl).
/// libheif applies the HEIF's own transformations (<c>irot</c>, <c>imir</c>, crops) to the grid of
/// tiles a phone writes, and ImageMagick then ignores the Exif orientation tag that phones repeat,
/// as the HEIF standard says: Debian's heif-convert 1.15 applies both and turns such photos twice.
/// </summary>
internal static class StillImage
{
    /// <summary>The image's pixel size from its header, without decoding it; null where the format is not known here (the decoder then decides).</summary>
    public static (int Width, int Height)? ReadSize(string path)
    {
        if (ImageHeader.ReadSize(path) is { } size) return size;
        if (!ImageHeader.IsMagickOnly(path)) return null;
        try
        {
            var info = new MagickImageInfo(path); // a ping: the boxes that give the size, no pixels
            return ((int)info.Width, (int)info.Height);
        }
        catch (MagickException) { return null; } // damaged: Read says so
    }

    /// <summary>The decoded, upright image; a one-line <see cref="VideoAffectException"/> if it cannot be read.</summary>
    public static Mat Read(string path)
    {
        if (ImageHeader.IsMagickOnly(path)) return ReadWithMagick(path);
        var image = Cv2.ImRead(path, ImreadModes.Color);
        if (!image.Empty()) return image;
        image.Dispose();
        throw new VideoAffectException($"'{path}' is not an image OpenCV can read");
    }

    static Mat ReadWithMagick(string path)
    {
        MagickImage image;
        try { image = new MagickImage(path); }
        catch (MagickException e)
        {
            throw new VideoAffectException($"'{path}' is a damaged or unsupported {ImageHeader.Describe(path)} image: {FirstLine(e.Message)}");
        }
        using (image)
        {
            // Q8 gives 8 bits per channel whatever the file's depth (10-bit HEIC, 12-bit AVIF);
            // a grey image is spread over the three channels, an alpha channel is left out, as
            // OpenCV's IMREAD_COLOR does.
            int width = (int)image.Width, height = (int)image.Height;
            byte[] bgr = image.ToByteArray(MagickFormat.Bgr);
            if (bgr.Length != width * height * 3)
                throw new VideoAffectException($"'{path}' decoded to {bgr.Length} bytes, not the {width}x{height}x3 its size says");
            var mat = new Mat(height, width, MatType.CV_8UC3);
            System.Runtime.InteropServices.Marshal.Copy(bgr, 0, mat.Data, bgr.Length); // a new Mat is continuous
            return mat;
        }
    }

    /// <summary>ImageMagick's reason without the "`file' @ error/heic.c/Function/207" it appends.</summary>
    static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0];
        int source = line.IndexOf(" `", StringComparison.Ordinal);
        return (source > 0 ? line[..source] : line).Trim();
    }
}
