using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// What the decoders (files and live sources alike) do to a stream's frames before they scale
/// them to the analysed size and hand them over as BGR: deinterlace an interlaced stream
/// (<see cref="ScanLayout"/>), then map HDR to SDR (<see cref="ToneMapping"/>). Nothing for the
/// common progressive SDR video.
/// </summary>
internal sealed record SourceFilters(ScanLayout Scan, bool Hdr)
{
    public static readonly SourceFilters None = new(ScanLayout.Progressive, false);

    /// <summary>ffprobe's entries these filters are chosen by (with width and height).</summary>
    public const string ProbeEntries = "field_order,color_transfer";

    /// <summary>The filters for one ffprobe stream object (JSON).</summary>
    public static SourceFilters Of(JsonElement stream) => new(ScanLayout.Of(stream), ToneMapping.IsHdr(stream));

    /// <summary>The head of the decoder's -vf chain: each filter followed by a comma; empty when there is nothing to do.</summary>
    public string Chain => Scan.Filters + ToneMapping.Filters(Hdr);

    /// <summary>ffmpeg input options the chain needs.</summary>
    public string InputOptions => Scan.InputOptions;

    /// <summary>For the run's first line and logs: what is done to the frames; empty for plain video.</summary>
    public string Description => (Scan.Interlaced ? ", interlaced (deinterlaced)" : "") + (Hdr ? ", HDR (mapped to SDR)" : "");
}
