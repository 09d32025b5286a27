using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// Whether a stream's pixels carry alpha (a GIF's transparent colour, APNG, PNG sequences,
/// QuickTime Animation, ProRes 4444, FFV1 with alpha, VP8 or VP9 with alpha in WebM): such frames
/// are made opaque over black while decoding, as an animated WebP's are
/// (<see cref="WebP.AnimatedWebPDecoder"/>). Without it ffmpeg's conversion to BGR drops the alpha
/// and shows whatever colour lies under a transparent pixel: a GIF's transparent palette entry
/// (often white, sometimes a keying green), an encoder's leftovers.
/// </summary>
/// <param name="HasAlpha">whether the decoded pixels carry alpha</param>
/// <param name="InputOptions">ffmpeg input options that decode the alpha (a decoder of its own), or empty</param>
internal sealed record Transparency(bool HasAlpha, string InputOptions = "")
{
    public static readonly Transparency None = new(false);

    /// <summary>ffprobe's stream tag that says a WebM's VP8 or VP9 stream carries alpha.</summary>
    public const string AlphaTag = "alpha_mode";

    /// <summary>From ffprobe's stream object (its pix_fmt, codec_name and tags).</summary>
    public static Transparency Of(JsonElement stream)
    {
        string? codec = Text(stream, "codec_name");
        // WebM keeps VP8's and VP9's alpha beside the picture, as a second stream in each block
        // (the web's transparent video: stickers, overlays, avatars). ffmpeg's own decoders read
        // the picture only and say yuv420p; libvpx's read both and give yuva420p.
        if (codec is "vp8" or "vp9" && stream.TryGetProperty("tags", out var tags) && Text(tags, AlphaTag) == "1")
            return new(true, codec == "vp9" ? "-c:v libvpx-vp9" : "-c:v libvpx");
        return new(HasAlphaChannel(Text(stream, "pix_fmt"), codec));
    }

    /// <summary>
    /// ffmpeg's pixel formats with an alpha plane or component (yuva*, gbrap*, ya8/ya16, the
    /// packed RGBA orders); a palette (pal8) carries alpha only in PNG's tRNS chunk.
    /// </summary>
    public static bool HasAlphaChannel(string? pixelFormat, string? codec) => pixelFormat switch
    {
        null => false,
        "pal8" => codec is "png" or "apng",
        _ => pixelFormat.StartsWith("yuva", StringComparison.Ordinal) || pixelFormat.StartsWith("gbrap", StringComparison.Ordinal)
            || pixelFormat.StartsWith("ya", StringComparison.Ordinal)
            || pixelFormat is "rgba" or "bgra" or "argb" or "abgr" || pixelFormat.StartsWith("rgba64", StringComparison.Ordinal) || pixelFormat.StartsWith("bgra64", StringComparison.Ordinal),
    };

    /// <summary>The decoder's filter: each colour times its alpha, which is the picture over black.</summary>
    public string Filters => HasAlpha ? "premultiply=inplace=1," : "";

    static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
