using System.Globalization;

namespace VideoAffect.Detection;

/// <summary>
/// A part of the picture where faces are not counted: a poster, a photo on a desk, a television in
/// the background, which a camera would otherwise report all day. A detected face whose box centre
/// lies inside is dropped before tracking, so it is never tracked, classified, drawn, recorded or
/// published. The rectangle is in pixels of the frame as analysed (upright, square pixels, as the
/// records' boxes are) or, with <c>%</c> on all four numbers, in percent of its width and height;
/// <see cref="Stream"/> limits it to one of monitor's named streams.
/// </summary>
/// <param name="Stream">The stream it applies to; null: every stream.</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Percent">Whether the four numbers are percent of the frame's size.</param>
public sealed record IgnoreZone(string? Stream, double X, double Y, double Width, double Height, bool Percent)
{
    /// <summary>What the option takes, for messages.</summary>
    public const string Syntax = "[STREAM=]X,Y,W,H in pixels, or all four with % of the frame (e.g. 0,0,200,150 or lobby=70%,0%,30%,40%)";

    /// <summary>Reads "[STREAM=]X,Y,W,H" (each number with % or none with it); a one-line <see cref="VideoAffectException"/> otherwise.</summary>
    public static IgnoreZone Parse(string text)
    {
        string? stream = null;
        string rectangle = text.Trim();
        int equals = rectangle.IndexOf('=');
        if (equals >= 0)
        {
            stream = rectangle[..equals].Trim();
            rectangle = rectangle[(equals + 1)..];
            if (stream.Length == 0) throw Bad(text, "the stream name before '=' is empty");
        }
        var parts = rectangle.Split(',').Select(p => p.Trim()).ToArray();
        if (parts.Length != 4) throw Bad(text, "it needs four numbers");
        int percents = parts.Count(p => p.EndsWith('%'));
        if (percents is not (0 or 4)) throw Bad(text, "use % on all four numbers or on none");
        var numbers = new double[4];
        for (int i = 0; i < 4; i++)
            if (!double.TryParse(parts[i].TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]) || numbers[i] < 0)
                throw Bad(text, $"'{parts[i]}' is not a number of 0 or more");
        var zone = new IgnoreZone(stream, numbers[0], numbers[1], numbers[2], numbers[3], percents == 4);
        if (zone.Width <= 0 || zone.Height <= 0) throw Bad(text, "its width and height must be above 0");
        if (zone.Percent && (zone.X + zone.Width > 100.0001 || zone.Y + zone.Height > 100.0001)) throw Bad(text, "it reaches past 100%");
        return zone;
    }

    static VideoAffectException Bad(string text, string why) => new($"--ignore-zone '{text}': {why}; it takes {Syntax}");

    /// <summary>Whether a face's box centre is inside this zone on a frame of that size.</summary>
    public bool Holds(FaceBox box, int frameWidth, int frameHeight)
    {
        double cx = box.X + box.Width / 2.0, cy = box.Y + box.Height / 2.0;
        double sx = Percent ? frameWidth / 100.0 : 1, sy = Percent ? frameHeight / 100.0 : 1;
        return cx >= X * sx && cx < (X + Width) * sx && cy >= Y * sy && cy < (Y + Height) * sy;
    }

    /// <summary>The zone in whole pixels of a frame of that size, clipped to it (for drawing).</summary>
    internal (int X, int Y, int Width, int Height) PixelsOn(int frameWidth, int frameHeight)
    {
        double sx = Percent ? frameWidth / 100.0 : 1, sy = Percent ? frameHeight / 100.0 : 1;
        int x = (int)Math.Round(X * sx), y = (int)Math.Round(Y * sy);
        int right = Math.Min(frameWidth, (int)Math.Round((X + Width) * sx)), bottom = Math.Min(frameHeight, (int)Math.Round((Y + Height) * sy));
        return (Math.Min(x, frameWidth), Math.Min(y, frameHeight), Math.Max(0, right - x), Math.Max(0, bottom - y));
    }

    /// <summary>The zones that apply to a stream: those without a name and those with its name.</summary>
    internal static IReadOnlyList<IgnoreZone> For(IReadOnlyList<IgnoreZone> zones, string stream) =>
        zones.Where(z => z.Stream is null || z.Stream == stream).ToList();

    /// <summary>The indices of the boxes to keep: those whose centre is in none of the zones.</summary>
    internal static List<int> Kept(IReadOnlyList<IgnoreZone> zones, IReadOnlyList<FaceBox> boxes, int frameWidth, int frameHeight)
    {
        var kept = new List<int>(boxes.Count);
        for (int i = 0; i < boxes.Count; i++)
            if (!zones.Any(z => z.Holds(boxes[i], frameWidth, frameHeight))) kept.Add(i);
        return kept;
    }
}
