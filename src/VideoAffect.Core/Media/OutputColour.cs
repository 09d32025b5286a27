using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// How the annotated video's frames (BGR, as decoded) are turned into 4:2:0 and what the stream
/// says of its colours, so that a player shows the annotated video as it shows the source. A
/// source that says its colour matrix gets it back, converted with it and tagged the same; one
/// that says nothing gets nothing said either, converted as ffmpeg decoded it (BT.601): a player
/// then guesses alike for both (BT.709 for HD, mostly), which is what its user sees of the
/// source. Leaving every output untagged, as before 0.11, shifted a tagged HD source's saturated
/// colours by up to 35 levels in a player; tagging BT.709 on everything would do the same to an
/// untagged HD source's (`Containers/ColourTests`). HDR, mapped to SDR while decoding, is BT.709.
/// </summary>
/// <param name="Matrix">the matrix ffmpeg's scale converts RGB with (out_color_matrix)</param>
/// <param name="Tags">ffmpeg output options that tag the stream; empty for none</param>
internal sealed record OutputColour(string Matrix, string Tags)
{
    /// <summary>BT.709 in full: what HDR becomes and what a source with another matrix is converted to.</summary>
    public static readonly OutputColour Bt709 = new("bt709", "-colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range tv");

    /// <summary>As ffmpeg converts and tags by default: BT.601, untagged.</summary>
    public static readonly OutputColour Untagged = new("bt601", "");

    /// <summary>What the annotated video of one ffprobe stream object (JSON) gets.</summary>
    /// <param name="mappedFromHdr">the decoder maps the stream from HDR to BT.709 SDR</param>
    public static OutputColour Of(JsonElement stream, bool mappedFromHdr)
    {
        if (mappedFromHdr) return Bt709;
        string? matrix = Text(stream, "color_space");
        if (matrix is null or "unknown") return Untagged;
        if (matrix is not ("smpte170m" or "bt470bg")) return Bt709;
        // BT.601 (SD): its own matrix, and its primaries and transfer where the source says them.
        var tags = $"-colorspace {matrix} -color_range tv";
        if (Text(stream, "color_primaries") is { } primaries and not "unknown") tags += $" -color_primaries {primaries}";
        if (Text(stream, "color_transfer") is { } transfer and not "unknown") tags += $" -color_trc {transfer}";
        return new OutputColour("bt601", tags);
    }

    static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
