namespace VideoAffect.Reports;

/// <summary>
/// The one palette of emotions: the annotated video's boxes, the report's charts and the live page
/// all take their colours from here. FER-2013's labels have fixed colours; a model with other
/// labels gets the fallback colours in label order.
/// </summary>
internal static class EmotionPalette
{
    static readonly Dictionary<string, (byte R, byte G, byte B)> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["angry"] = (230, 40, 40),
        ["disgust"] = (40, 140, 40),
        ["fear"] = (160, 60, 160),
        ["happy"] = (250, 200, 40),
        ["sad"] = (40, 120, 200),
        ["surprise"] = (40, 200, 230),
        ["neutral"] = (150, 150, 150),
    };

    static readonly (byte R, byte G, byte B)[] Fallback = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194)];

    public static (byte R, byte G, byte B) Rgb(string label, int index) =>
        Named.TryGetValue(label, out var rgb) ? rgb : Fallback[index % Fallback.Length];

    /// <summary>#rrggbb, for HTML and SVG.</summary>
    public static string Hex(string label, int index)
    {
        var (r, g, b) = Rgb(label, index);
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    /// <summary>OpenCV's BGR order, for drawing on frames.</summary>
    public static OpenCvSharp.Scalar Bgr(string label, int index)
    {
        var (r, g, b) = Rgb(label, index);
        return new OpenCvSharp.Scalar(b, g, r);
    }

    public static ScottPlot.Color Chart(string label, int index)
    {
        var (r, g, b) = Rgb(label, index);
        return new ScottPlot.Color(r, g, b);
    }
}
