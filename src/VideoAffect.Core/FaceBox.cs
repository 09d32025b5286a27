namespace VideoAffect;

/// <summary>A face rectangle in frame pixels: what detection finds and everything after it (crops, tracks, records) uses, so it belongs to no one stage.</summary>
/// <param name="X">Left column.</param>
/// <param name="Y">Top row.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FaceBox(int X, int Y, int Width, int Height)
{
    /// <summary>One past the rightmost column.</summary>
    public int Right => X + Width;
    /// <summary>One past the bottom row.</summary>
    public int Bottom => Y + Height;
    /// <summary>Width times height.</summary>
    public int Area => Width * Height;

    /// <summary>Overlap with another box: intersection area over union area, 0 to 1.</summary>
    public double IntersectionOverUnion(FaceBox other)
    {
        int w = Math.Min(Right, other.Right) - Math.Max(X, other.X);
        int h = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        if (w <= 0 || h <= 0) return 0;
        double inter = (double)w * h;
        return inter / (Area + other.Area - inter);
    }
}
