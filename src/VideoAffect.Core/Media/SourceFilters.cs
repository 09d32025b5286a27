using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// What the decoders (files and live sources alike) do to a stream's frames before they scale
/// them to the analysed size and hand them over as BGR: deinterlace an interlaced stream
/// (<see cref="ScanLayout"/>), then map HDR to SDR (<see cref="ToneMapping"/>), having first made
/// transparent pixels opaque over black (<see cref="Media.Transparency"/>). Nothing for the common
/// progressive, opaque SDR video.
/// </summary>
internal sealed record SourceFilters(ScanLayout Scan, ToneMapping Tone)
{
    public static readonly SourceFilters None = new(ScanLayout.Progressive, ToneMapping.None);

    /// <summary>Whether the stream's pixels carry alpha, composed over black first.</summary>
    public Transparency Transparency { get; init; } = Transparency.None;

    /// <summary>ffprobe's entries these filters (and <see cref="OutputColour"/>) are chosen by, with width and height.</summary>
    public const string ProbeEntries = "field_order,color_transfer,color_space,color_primaries,pix_fmt,codec_name";

    /// <summary>The filters for one ffprobe stream object (JSON).</summary>
    /// <param name="firstFrameInterlaced">what the stream's first frame says, where the stream does not say how it is scanned (see <see cref="ScanLayout.Of"/>)</param>
    public static SourceFilters Of(JsonElement stream, bool? firstFrameInterlaced = null) =>
        new(ScanLayout.Of(stream, firstFrameInterlaced), ToneMapping.Of(stream)) { Transparency = Transparency.Of(stream) };

    /// <summary>The head of the decoder's -vf chain: each filter followed by a comma; empty when there is nothing to do.</summary>
    public string Chain => Transparency.Filters + Scan.Filters + Tone.Filters;

    /// <summary>ffmpeg input options the chain needs (space-separated; empty when none).</summary>
    public string InputOptions => string.Join(' ', new[] { Transparency.InputOptions, Scan.InputOptions }.Where(o => o.Length > 0));

    /// <summary>For the run's first line and logs: what is done to the frames; empty for plain video.</summary>
    public string Description => (Transparency.HasAlpha ? ", transparent (over black)" : "") + (Scan.Interlaced ? ", interlaced (deinterlaced)" : "") + (Tone.Hdr ? ", HDR (mapped to SDR)" : "");
}
