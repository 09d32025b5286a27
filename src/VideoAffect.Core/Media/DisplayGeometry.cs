using System.Globalization;
using System.Text.Json;

namespace VideoAffect.Media;

/// <summary>
/// The size a video stream's frames are analysed at: upright and in square pixels, as a player
/// shows them. ffmpeg turns frames upright while decoding (the rotation metadata of phone videos),
/// and our decoders scale them to this size, so an anamorphic source (PAL DVD 720x576 at 16:15,
/// broadcast HDV 1440x1080 at 4:3, CCTV D1 704x576 at 12:11) is not analysed squeezed: the cascade
/// and the classifier were trained on faces in square pixels, and the records' boxes are where a
/// player shows the face.
/// </summary>
internal static class DisplayGeometry
{
    /// <summary>Pixel aspect ratios further from 1 than this are taken as damaged metadata and ignored.</summary>
    const double MostStretch = 4;

    /// <summary>The upright, square-pixel frame size of one ffprobe stream object (JSON); (0, 0) without a size.</summary>
    public static (int Width, int Height) Of(JsonElement stream)
    {
        int width = Int(stream, "width"), height = Int(stream, "height");
        if (width <= 0 || height <= 0) return (0, 0);
        // Widen or heighten, never shrink: no detail of the source is thrown away.
        double sar = SampleAspectRatio(stream);
        if (sar > 1) width = (int)Math.Round(width * sar);
        else if (sar < 1) height = (int)Math.Round(height / sar);
        return Math.Abs(Rotation(stream)) % 180 == 90 ? (height, width) : (width, height);
    }

    /// <summary>ffprobe's "16:15" as a number; 1 where it is absent, unknown ("0:1") or implausible.</summary>
    static double SampleAspectRatio(JsonElement stream)
    {
        if (!stream.TryGetProperty("sample_aspect_ratio", out var value) || value.ValueKind != JsonValueKind.String) return 1;
        var parts = value.GetString()!.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int num)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int den)
            || num <= 0 || den <= 0) return 1;
        double sar = (double)num / den;
        return sar is >= 1 / MostStretch and <= MostStretch ? sar : 1;
    }

    /// <summary>The display matrix's rotation (side data), or the older "rotate" tag.</summary>
    internal static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var item in list.EnumerateArray())
                if (item.TryGetProperty("rotation", out var r) && r.TryGetDouble(out double degrees)) return (int)Math.Round(degrees);
        return stream.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
            && tags.TryGetProperty("rotate", out var rotate) && int.TryParse(rotate.ToString(), out int turn) ? turn : 0;
    }

    /// <summary>
    /// The decoders' last filters: every frame to the analysed size, <paramref name="width"/> x
    /// <paramref name="height"/>, in square pixels, as BGR. A frame of the stream's own shape (its
    /// display aspect within 1% of the size's, the case of every frame but after a mid-stream change)
    /// is scaled to it exactly, as a plain scale would. A frame of another shape (a recording that
    /// goes from 4:3 to 16:9, a camera reconfigured, two clips joined) is fitted inside it at its own
    /// aspect and centred on black, letterboxed or pillarboxed, not stretched: a squeezed face is
    /// neither what the cascade nor the classifier knows. ffmpeg evaluates the expressions again
    /// whenever the frames' size changes; a pixel aspect further from 1 than <see cref="MostStretch"/>
    /// is ignored there as in <see cref="Of"/>.
    /// </summary>
    public static string Fit(int width, int height)
    {
        var c = CultureInfo.InvariantCulture;
        string aspect = string.Create(c, $"if(between(sar,{1 / MostStretch},{MostStretch}),dar,a)");
        string same = string.Create(c, $"lt(abs({aspect}*{height}/{width}-1),0.01)");
        return string.Create(c, $"scale=w='if({same},{width},min({width},round({height}*{aspect})))':h='if({same},{height},min({height},round({width}/{aspect})))',")
            + string.Create(c, $"format=bgr24,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1");
    }

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;
}
