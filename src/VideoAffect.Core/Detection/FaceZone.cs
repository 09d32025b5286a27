using System.Globalization;

namespace VideoAffect.Detection;

/// <summary>
/// A part of the picture that decides which faces are counted: an <see cref="ZoneKind.Ignore"/> zone
/// drops the faces in it (a poster a camera would otherwise report all day), an
/// <see cref="ZoneKind.Only"/> zone drops those outside it. A face is inside when its box centre is,
/// and a dropped face goes no further than detection: never tracked, classified, drawn, recorded
/// or published. The zone is a polygon (a rectangle is four corners), its corners in pixels of the
/// frame as analysed (upright, square pixels, as the records' boxes are) or, with
/// <see cref="Percent"/>, in percent of its width and height; <see cref="Stream"/> limits it to one
/// of monitor's named streams.
/// </summary>
/// <param name="Kind">Whether the faces inside are dropped or the only ones kept.</param>
/// <param name="Stream">The stream it applies to; null: every stream.</param>
/// <param name="Corners">Three or more corners, in order around the zone.</param>
/// <param name="Percent">Whether the corners are percent of the frame's size.</param>
public sealed record FaceZone(ZoneKind Kind, string? Stream, IReadOnlyList<ZoneCorner> Corners, bool Percent)
{
    /// <summary>What the options take, for messages.</summary>
    public const string Syntax = "[STREAM=]X,Y,W,H (a rectangle) or X:Y,X:Y,X:Y,... (a polygon's corners in order), in pixels or with % on every number (e.g. 0,0,200,150, lobby=70%,0%,30%,40% or 0:480,300:200,640:200,640:480)";

    /// <summary>A rectangle's four corners, clockwise from its top left.</summary>
    public static FaceZone Rectangle(ZoneKind kind, string? stream, double x, double y, double width, double height, bool percent) =>
        new(kind, stream, [new(x, y), new(x + width, y), new(x + width, y + height), new(x, y + height)], percent);

    /// <summary>The command-line option that gives zones of this kind, for messages.</summary>
    public static string OptionName(ZoneKind kind) => kind == ZoneKind.Ignore ? "--ignore-zone" : "--only-zone";

    /// <summary>
    /// Reads "[STREAM=]X,Y,W,H" or "[STREAM=]X:Y,X:Y,X:Y[,...]", with % on every number or on none;
    /// a one-line <see cref="VideoAffectException"/> naming the option otherwise.
    /// </summary>
    public static FaceZone Parse(string text, ZoneKind kind = ZoneKind.Ignore)
    {
        string? stream = null;
        string shape = text.Trim();
        int equals = shape.IndexOf('=');
        if (equals >= 0)
        {
            stream = shape[..equals].Trim();
            shape = shape[(equals + 1)..];
            if (stream.Length == 0) throw Bad(kind, text, "the stream name before '=' is empty");
        }
        var parts = shape.Split(',').Select(p => p.Trim()).ToArray();
        bool polygon = shape.Contains(':');
        var numbers = polygon ? parts.Select(p => p.Split(':')).ToArray() : [parts];
        if (polygon && numbers.FirstOrDefault(n => n.Length != 2) is { } notCorner)
            throw Bad(kind, text, $"'{string.Join(':', notCorner)}' is not a corner X:Y");
        var all = numbers.SelectMany(n => n).Select(n => n.Trim()).ToArray();
        if (!polygon && all.Length != 4) throw Bad(kind, text, "a rectangle needs four numbers X,Y,W,H (a polygon's corners are X:Y)");
        if (polygon && numbers.Length < 3) throw Bad(kind, text, "a polygon needs three corners or more");
        int percents = all.Count(p => p.EndsWith('%'));
        if (percents != 0 && percents != all.Length) throw Bad(kind, text, "use % on every number or on none");
        var values = new double[all.Length];
        for (int i = 0; i < all.Length; i++)
            if (!double.TryParse(all[i].TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]) || values[i] < 0)
                throw Bad(kind, text, $"'{all[i]}' is not a number of 0 or more");
        bool percent = percents > 0;
        FaceZone zone;
        if (polygon)
            zone = new FaceZone(kind, stream, Enumerable.Range(0, numbers.Length).Select(i => new ZoneCorner(values[2 * i], values[2 * i + 1])).ToList(), percent);
        else
        {
            if (values[2] <= 0 || values[3] <= 0) throw Bad(kind, text, "its width and height must be above 0");
            zone = Rectangle(kind, stream, values[0], values[1], values[2], values[3], percent);
        }
        if (percent && zone.Corners.Any(c => c.X > 100.0001 || c.Y > 100.0001)) throw Bad(kind, text, "it reaches past 100%");
        if (polygon && Math.Abs(zone.Area()) < 1e-9) throw Bad(kind, text, "its corners enclose no area");
        return zone;
    }

    static VideoAffectException Bad(ZoneKind kind, string text, string why) => new($"{OptionName(kind)} '{text}': {why}; it takes {Syntax}");

    /// <summary>The signed area by the shoelace formula (in the corners' own units).</summary>
    double Area()
    {
        double twice = 0;
        for (int i = 0, j = Corners.Count - 1; i < Corners.Count; j = i++)
            twice += Corners[j].X * Corners[i].Y - Corners[i].X * Corners[j].Y;
        return twice / 2;
    }

    /// <summary>
    /// Whether a face's box centre is inside this zone on a frame of that size: the even-odd rule
    /// (a ray to the right crosses the outline an odd number of times). Left and top edges count
    /// as inside, right and bottom ones as outside, so zones that share an edge never both hold a face.
    /// </summary>
    public bool Holds(FaceBox box, int frameWidth, int frameHeight)
    {
        double cx = box.X + box.Width / 2.0, cy = box.Y + box.Height / 2.0;
        double sx = Percent ? frameWidth / 100.0 : 1, sy = Percent ? frameHeight / 100.0 : 1;
        bool inside = false;
        for (int i = 0, j = Corners.Count - 1; i < Corners.Count; j = i++)
        {
            double xi = Corners[i].X * sx, yi = Corners[i].Y * sy, xj = Corners[j].X * sx, yj = Corners[j].Y * sy;
            if ((yi > cy) != (yj > cy) && cx < xj + (cy - yj) * (xi - xj) / (yi - yj)) inside = !inside;
        }
        return inside;
    }

    /// <summary>The corners in whole pixels of a frame of that size (for drawing; OpenCV clips what lies outside).</summary>
    internal (int X, int Y)[] PixelsOn(int frameWidth, int frameHeight)
    {
        double sx = Percent ? frameWidth / 100.0 : 1, sy = Percent ? frameHeight / 100.0 : 1;
        return Corners.Select(c => ((int)Math.Round(c.X * sx), (int)Math.Round(c.Y * sy))).ToArray();
    }

    /// <summary>The zones that apply to a stream: those without a name and those with its name.</summary>
    internal static IReadOnlyList<FaceZone> For(IReadOnlyList<FaceZone> zones, string stream) =>
        zones.Where(z => z.Stream is null || z.Stream == stream).ToList();

    /// <summary>
    /// The indices of the boxes to keep: those in none of the ignore zones and, where there are
    /// only-zones, in one of them.
    /// </summary>
    internal static List<int> Kept(IReadOnlyList<FaceZone> zones, IReadOnlyList<FaceBox> boxes, int frameWidth, int frameHeight)
    {
        bool anyOnly = zones.Any(z => z.Kind == ZoneKind.Only);
        var kept = new List<int>(boxes.Count);
        for (int i = 0; i < boxes.Count; i++)
        {
            var box = boxes[i];
            bool ignored = zones.Any(z => z.Kind == ZoneKind.Ignore && z.Holds(box, frameWidth, frameHeight));
            bool watched = !anyOnly || zones.Any(z => z.Kind == ZoneKind.Only && z.Holds(box, frameWidth, frameHeight));
            if (!ignored && watched) kept.Add(i);
        }
        return kept;
    }

    /// <summary>Equal when kind, stream, percent and every corner are (a record compares lists by reference).</summary>
    public bool Equals(FaceZone? other) =>
        other is not null && Kind == other.Kind && Stream == other.Stream && Percent == other.Percent && Corners.SequenceEqual(other.Corners);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Stream, Percent, Corners.Count, Corners.Count > 0 ? Corners[0] : default);
}
