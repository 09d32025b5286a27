using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// HDR video (PQ: HDR10 cameras and streaming masters; HLG: phones, iPhones' Dolby Vision base
/// layer included, and broadcast) taken as SDR looks grey and flat: the face's contrast is not
/// what the classifier was trained on, and the annotated video, written as BT.709 SDR, looks
/// washed out. The decoders map such frames to BT.709 SDR first: to linear light with HDR's
/// reference white (ITU-R BT.2408's 203 nits, where a grade puts skin and paper) as SDR's white,
/// BT.2020's gamut to BT.709's, then Möbius tone mapping that keeps everything up to 80% of that
/// white as it is and rolls the highlights above it off smoothly (a face stays the face the
/// cascade and classifier know), then BT.709's transfer. Measured on the astronaut photo made HDR
/// by BT.2408's rule: the face within 5.5 gray levels on average of the photo's (PQ and HLG),
/// against 42 (PQ) and 20 (HLG) untouched; with ffmpeg's usual 100-nit white and Möbius' default
/// knee (30%) 22, with Hable's curve 52.
/// </summary>
/// <param name="Hdr">whether the stream is HDR (PQ or HLG)</param>
/// <param name="OddSize">whether a side of its frames is odd: zimg refuses 4:2:0 chroma for those, so they go through 4:4:4</param>
internal sealed record ToneMapping(bool Hdr, bool OddSize)
{
    public static readonly ToneMapping None = new(false, false);

    /// <summary>ffprobe's color_transfer of the HDR transfers: PQ and HLG.</summary>
    static readonly string[] HdrTransfers = ["smpte2084", "arib-std-b67"];

    /// <summary>The mapping one ffprobe stream object (JSON) needs.</summary>
    public static ToneMapping Of(JsonElement stream)
    {
        bool hdr = stream.TryGetProperty("color_transfer", out var transfer) && transfer.ValueKind == JsonValueKind.String
            && HdrTransfers.Contains(transfer.GetString());
        return hdr ? new ToneMapping(true, Int(stream, "width") % 2 == 1 || Int(stream, "height") % 2 == 1) : None;
    }

    /// <summary>The filters that make a frame of the stream BT.709 SDR (limited range, tagged so), each followed by a comma; empty for SDR.</summary>
    public string Filters => !Hdr ? "" :
        (OddSize ? "format=yuv444p10le," : "")
        + "zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:param=0.8:desat=0,zscale=t=bt709:m=bt709:r=tv,"
        + (OddSize ? "format=yuv444p," : "format=yuv420p,");

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;
}
