using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// What the decoders (files and live sources alike) do to a stream's frames before they scale
/// them to the analysed size and hand them over as BGR: deinterlace an interlaced stream
/// (<see cref="ScanLayout"/>), then map HDR to SDR (<see cref="ToneMapping"/>); and which matrix
/// turns an untagged stream's colours into RGB. Nothing for the common progressive SDR video.
/// </summary>
/// <param name="UntaggedHd">the stream does not say its colour matrix and is HD: players show it as BT.709 (mpv's and most players' rule: 1280 wide or over 576 high), where ffmpeg's conversion would take BT.601</param>
internal sealed record SourceFilters(ScanLayout Scan, ToneMapping Tone, bool UntaggedHd = false)
{
    public static readonly SourceFilters None = new(ScanLayout.Progressive, ToneMapping.None);

    /// <summary>ffprobe's entries these filters are chosen by (with width and height).</summary>
    public const string ProbeEntries = "field_order,color_transfer,color_space";

    /// <summary>The filters for one ffprobe stream object (JSON).</summary>
    /// <param name="firstFrameInterlaced">what the stream's first frame says, where the stream does not say how it is scanned (see <see cref="ScanLayout.Of"/>)</param>
    public static SourceFilters Of(JsonElement stream, bool? firstFrameInterlaced = null)
    {
        bool untagged = !stream.TryGetProperty("color_space", out var matrix) || matrix.ValueKind != JsonValueKind.String || matrix.GetString() is "unknown" or "";
        bool hd = Int(stream, "width") >= 1280 || Int(stream, "height") > 576;
        return new(ScanLayout.Of(stream, firstFrameInterlaced), ToneMapping.Of(stream), untagged && hd);
    }

    /// <summary>The head of the decoder's -vf chain: each filter followed by a comma; empty when there is nothing to do.</summary>
    public string Chain => Scan.Filters + Tone.Filters;

    /// <summary>
    /// Options of the decoder's final scale (to the analysed size and BGR), each after a colon: an
    /// untagged HD stream is converted as a player shows it, so that the annotated video (written
    /// as BT.709, see X264Output) looks like the source in that player.
    /// </summary>
    public string ScaleOptions => UntaggedHd && !Tone.Hdr ? ":in_color_matrix=bt709" : "";

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;

    /// <summary>ffmpeg input options the chain needs.</summary>
    public string InputOptions => Scan.InputOptions;

    /// <summary>For the run's first line and logs: what is done to the frames; empty for plain video.</summary>
    public string Description => (Scan.Interlaced ? ", interlaced (deinterlaced)" : "") + (Tone.Hdr ? ", HDR (mapped to SDR)" : "");
}
