namespace VideoAffect;

/// <summary>A face rectangle in frame pixels: what detection finds and everything after it (crops, tracks, records) uses, so it belongs to no one stage.</summary>
public readonly record struct FaceBox(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public int Area => Width * Height;

    public double IntersectionOverUnion(FaceBox other)
    {
        int w = Math.Min(Right, other.Right) - Math.Max(X, other.X);
        int h = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        if (w <= 0 || h <= 0) return 0;
        double inter = (double)w * h;
        return inter / (Area + other.Area - inter);
    }
}
