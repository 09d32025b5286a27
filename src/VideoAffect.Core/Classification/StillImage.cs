using ImageMagick;
using OpenCvSharp;

namespace VideoAffect.Classification;

/// <summary>
/// Reads a photo the way a viewer shows it: upright, as 8-bit BGR. OpenCV decodes the formats it
/// knows (JPEG, PNG, WebP, TIFF, ...; it turns a JPEG by its EXIF orientation). Phones and the web
/// also write formats OpenCV's build cannot read: HEIC/HEIF (every iPhone photo since iOS 11),
/// AVIF and JPEG XL; those go through Magick.NET (ImageMagick with libheif, for HEIF and AVIF, and libjxl),
/// as do camera RAWs (LibRaw develops them, and ImageMagick turns them by their orientation; OpenCV
/// read a DNG's preview as if it were the photo), JPEG 2000, PSD and QOI (<see cref="ImageHeader.MagickPhotoOf"/>).
/// libheif applies the HEIF's own transformations (<c>irot</c>, <c>imir</c>, crops) to the grid of
/// tiles a phone writes, and ImageMagick then ignores the Exif orientation tag that phones repeat,
/// as the HEIF standard says: Debian's heif-convert 1.15 applies both and turns such photos twice.
/// A transparent image (PNG, WebP, TIFF, AVIF, HEIF, JPEG XL with alpha) is composed over black,
/// as the video decoders compose a transparent video: OpenCV's IMREAD_COLOR and ImageMagick's BGR
/// export just drop the alpha, leaving whatever colour the file stored under transparent pixels
/// (often white, or the cut-out's old background) for the detector and the network to see.
/// </summary>
internal static class StillImage
{
    /// <summary>The image's pixel size from its header, without decoding it; null where the format is not known here (the decoder then decides).</summary>
    public static (int Width, int Height)? ReadSize(string path)
    {
        if (ImageHeader.ReadSize(path) is { } size) return size;
        if (ImageHeader.MagickPhotoOf(path) is not { } photo) return null;
        try
        {
            var info = new MagickImageInfo(path, Settings(photo)); // a ping: the boxes that give the size, no pixels
            return ((int)info.Width, (int)info.Height);
        }
        catch (MagickException) { return null; } // damaged: Read says so
    }

    /// <summary>The decoded, upright image; a one-line <see cref="VideoAffectException"/> if it cannot be read.</summary>
    public static Mat Read(string path) => Read(path, out _);

    /// <summary>The decoded, upright image, and what the decoder complained of while decoding it (see <see cref="OpenCvImageFile"/>).</summary>
    public static Mat Read(string path, out string? warning)
    {
        warning = null;
        // A download or copy that failed leaves a file of 0 bytes: said as what it is, not as a format OpenCV lacks.
        if (File.Exists(path) && new FileInfo(path).Length == 0) throw new VideoAffectException($"'{path}' is empty (0 bytes): no image");
        if (ImageHeader.MagickPhotoOf(path) is { } photo) return ReadWithMagick(path, photo);
        // A TIFF stored a quarter turned: ImageMagick turns it (OpenCV cannot: TiffOrientation);
        // one in CIELab colours (a scanner's, Photoshop's), which OpenCV's libtiff converts only
        // roughly (4.0 levels off on average on the astronaut, ImageMagick 1.7: PhotoFormatTests).
        if (TiffOrientation.Of(path) is >= 5 || IsLabTiff(path)) return ReadWithMagick(path, new ImageHeader.MagickPhoto("TIFF", ".tif", MagickFormat.Tiff, Upright: true));
        if (!ImageHeader.IsJpeg(path) && ReadTransparent(path, out warning) is { } composed) return composed;
        var image = OpenCvImageFile.Read(path, ImreadModes.Color, out warning);
        if (!image.Empty()) return image;
        image.Dispose();
        if (ImageHeader.VideoContainer(path) is { } video)
            throw new VideoAffectException($"'{path}' is a video ({video}), not a photo; videos are analysed with videoaffect analyze");
        throw new VideoAffectException($"'{path}' is not an image OpenCV can read" + (warning is null ? "" : $" (its decoder said: {warning})"));
    }

    /// <summary>Whether a TIFF's photometric interpretation (262) is CIELab, ICC Lab or ITU Lab (8, 9, 10).</summary>
    static bool IsLabTiff(string path) => TiffFirstDirectory.Read(path) is { } tags && tags.TryGetValue(262, out uint photometric) && photometric is 8 or 9 or 10;

    /// <summary>
    /// The image over black when it has an alpha channel (gray or colour, 8 or 16 bits, or float);
    /// null when it has none, and IMREAD_COLOR then reads it as before (it alone turns an image by
    /// its EXIF orientation, which PNG and WebP files rarely carry; a turned TIFF is ImageMagick's to read).
    /// </summary>
    static Mat? ReadTransparent(string path, out string? warning)
    {
        using var raw = OpenCvImageFile.Read(path, ImreadModes.Unchanged, out warning);
        if (raw.Empty() || raw.Channels() is not (2 or 4)) return null;
        // To 8 bits: 0..65535 onto 0..255 (divided by 257, rounded: a 16-bit file made from 8-bit
        // levels gives them back; IMREAD_COLOR's shift by 8 bits is at most a level below); float 0..1 times 255.
        using var eight = new Mat();
        raw.ConvertTo(eight, MatType.CV_8UC(raw.Channels()), raw.Depth() switch
        {
            MatType.CV_16U => 1.0 / 257,
            MatType.CV_32F or MatType.CV_64F => 255.0,
            _ => 1.0,
        });
        var planes = eight.Split();
        try
        {
            var alpha = planes[^1];
            // Each level times alpha / 255, rounded: colour over black.
            for (int c = 0; c < planes.Length - 1; c++) Cv2.Multiply(planes[c], alpha, planes[c], 1.0 / 255);
            var composed = new Mat();
            if (planes.Length == 2) Cv2.CvtColor(planes[0], composed, ColorConversionCodes.GRAY2BGR);
            else Cv2.Merge(planes[..3], composed);
            return composed;
        }
        finally
        {
            foreach (var plane in planes) plane.Dispose();
        }
    }

    /// <summary>
    /// The one decoder the photo's content names, never one ImageMagick would choose by the file's
    /// name (its text, SVG and MVG readers read other files and URLs), and its first picture only
    /// (a PSD's merged picture, not its layers); HEIF, AVIF and JPEG XL as ImageMagick tells them
    /// by their content (a HEIF's primary picture).
    /// </summary>
    static MagickReadSettings Settings(ImageHeader.MagickPhoto photo) =>
        photo.Format is { } format ? new() { Format = format, FrameIndex = 0, FrameCount = 1 } : new();

    static Mat ReadWithMagick(string path, ImageHeader.MagickPhoto photo)
    {
        MagickImage image;
        try { image = new MagickImage(path, Settings(photo)); }
        catch (MagickException e)
        {
            throw new VideoAffectException($"'{path}' is a damaged or unsupported {photo.Name} image: {FirstLine(e.Message)}");
        }
        using (image)
        {
            // A TIFF's or a RAW's orientation tag; not a HEIF's, which libheif turned already.
            if (photo.Upright) image.AutoOrient();
            // Q8 holds 8 bits per channel whatever the file's depth (10-bit HEIC, 12-bit AVIF), but
            // an image that says 16 (LibRaw's developed RAW, a 16-bit TIFF or JPEG 2000) is exported
            // at 16 unless told 8; a grey image is spread over the three channels; an alpha channel
            // is composed over black first, as for the formats OpenCV reads.
            image.Depth = 8;
            if (image.HasAlpha)
            {
                image.BackgroundColor = MagickColors.Black;
                image.Alpha(AlphaAction.Remove);
            }
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
