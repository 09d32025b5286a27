using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// Whether a stream's pixels carry alpha (a GIF's transparent colour, APNG, PNG sequences,
/// QuickTime Animation, ProRes 4444 or FFV1 with alpha): such frames are made opaque over black
/// while decoding, as an animated WebP's are (<see cref="WebP.AnimatedWebPDecoder"/>). Without it
/// ffmpeg's conversion to BGR drops the alpha and shows whatever colour lies under a transparent
/// pixel: a GIF's transparent palette entry (often white, sometimes a keying green), an
/// encoder's leftovers.
/// </summary>
internal sealed record Transparency(bool HasAlpha)
{
    public static readonly Transparency None = new(false);

    /// <summary>From ffprobe's stream object (its pix_fmt and codec_name).</summary>
    public static Transparency Of(JsonElement stream) =>
        new(HasAlphaChannel(Text(stream, "pix_fmt"), Text(stream, "codec_name")));

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
