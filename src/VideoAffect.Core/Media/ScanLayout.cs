using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// Whether a stream's frames are interlaced (two fields, captured a field period apart, woven into
/// one frame: broadcast, DVD, HDV, analogue CCTV encoders) and the size they are stored at. A face
/// that moves between the two fields is combed: on a 720x576 clip with a face crossing it in half
/// a second, the classifier gave the combed faces other labels than their true one, which the same
/// frames deinterlaced did not (Containers/InterlacedVideoTests).
/// </summary>
/// <param name="Interlaced">ffprobe's field_order is tt, bb, tb or bt and the frames are deinterlaceable (upright, at least 3x3).</param>
/// <param name="StoredWidth">The coded frame width, before square pixels (the deinterlacer works on the stored fields).</param>
/// <param name="StoredHeight">The coded frame height, likewise.</param>
internal sealed record ScanLayout(bool Interlaced, int StoredWidth, int StoredHeight)
{
    public static readonly ScanLayout Progressive = new(false, 0, 0);

    /// <summary>The smallest frame side ffmpeg's yadif accepts.</summary>
    const int SmallestSide = 3;

    /// <summary>The layout of one ffprobe stream object (JSON).</summary>
    /// <param name="firstFrameInterlaced">whether the stream's first frame is interlaced, where the stream's field order is unknown (DV's, for one: its frames say it)</param>
    /// <remarks>
    /// The container's or codec's field order counts, else the first frame's, as players' automatic
    /// deinterlacing goes by them. A quarter-turned stream is left alone: ffmpeg turns frames upright
    /// before our filters, and rows of a turned frame are no longer fields (phones, the only
    /// source of turned video, record progressive anyway).
    /// </remarks>
    public static ScanLayout Of(JsonElement stream, bool? firstFrameInterlaced = null)
    {
        bool interlaced = stream.TryGetProperty("field_order", out var order) && order.ValueKind == JsonValueKind.String
            && order.GetString() is "tt" or "bb" or "tb" or "bt"
            || (FieldOrderUnknown(stream) && firstFrameInterlaced == true);
        int width = Int(stream, "width"), height = Int(stream, "height");
        if (!interlaced || width < SmallestSide || height < SmallestSide || DisplayGeometry.Rotation(stream) != 0) return Progressive;
        return new ScanLayout(true, width, height);
    }

    /// <summary>Whether ffprobe gives the stream no field order (or "unknown").</summary>
    public static bool FieldOrderUnknown(JsonElement stream) =>
        !stream.TryGetProperty("field_order", out var order) || order.ValueKind != JsonValueKind.String || order.GetString() == "unknown";

    /// <summary>
    /// The decoder's filters before it scales a frame to the analysed size: none for progressive
    /// frames. An interlaced frame is first held at its stored size (scaled field by field should
    /// the stream change size mid-way, so the deinterlacer never sees a size change; the decoder
    /// then keeps one filter graph for the whole stream, see <see cref="InputOptions"/>), then
    /// deinterlaced by yadif at the source's frame rate (one output frame per input frame, with its
    /// time: the records stay frame for frame) and only where the frame itself says interlaced,
    /// so the progressive parts of mixed material pass untouched.
    /// </summary>
    public string Filters => Interlaced
        ? $"scale={StoredWidth}:{StoredHeight}:interl=1,yadif=mode=send_frame:parity=auto:deint=interlaced,"
        : "";

    /// <summary>
    /// ffmpeg input options the filters need: an interlaced stream keeps one filter graph (a graph
    /// rebuilt at a size change would drop the frame yadif holds back for its look-ahead).
    /// </summary>
    public string InputOptions => Interlaced ? "-reinit_filter 0" : "";

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;
}
