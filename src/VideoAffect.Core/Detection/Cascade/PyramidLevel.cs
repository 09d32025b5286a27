namespace VideoAffect.Detection.Cascade;

/// <summary>
/// One scale of OpenCV's detection pyramid: the image is resized to <see cref="Width"/> x
/// <see cref="Height"/> and the cascade's window slides over it in steps of <see cref="Step"/>;
/// a hit at (x, y) there is the box (round(x * Scale), round(y * Scale), <see cref="BoxWidth"/>,
/// <see cref="BoxHeight"/>) in the image.
/// </summary>
internal readonly record struct PyramidLevel(float Scale, int Width, int Height, int Step, int BoxWidth, int BoxHeight)
{
    /// <summary>
    /// The levels CascadeClassifier::detectMultiScale uses, with its own arithmetic: factors
    /// 1, s, s^2... in double for the size checks, kept as float; level sizes rounded from float
    /// division; every other position below scale 2, every position from there on.
    /// </summary>
    public static IReadOnlyList<PyramidLevel> For(int imageWidth, int imageHeight, int windowWidth, int windowHeight,
        double scaleFactor, int minSize, int maxSize)
    {
        int maxWidth = maxSize > 0 ? maxSize : imageWidth, maxHeight = maxSize > 0 ? maxSize : imageHeight;
        var levels = new List<PyramidLevel>();
        for (double factor = 1; ; factor *= scaleFactor)
        {
            int windowW = (int)Math.Round(windowWidth * factor), windowH = (int)Math.Round(windowHeight * factor);
            if (windowW > maxWidth || windowH > maxHeight) break;
            if (windowW < minSize || windowH < minSize) continue;
            float scale = (float)factor;
            int width = (int)MathF.Round(imageWidth / scale), height = (int)MathF.Round(imageHeight / scale);
            levels.Add(new PyramidLevel(scale, width, height, scale >= 2 ? 1 : 2,
                (int)MathF.Round(windowWidth * scale), (int)MathF.Round(windowHeight * scale)));
        }
        return levels;
    }

    /// <summary>Window positions x &lt; Columns (and y &lt; Rows) fit on the level: OpenCV's working size.</summary>
    public int Columns(int windowWidth) => Math.Max(Width + 1 - windowWidth, 0);
    public int Rows(int windowHeight) => Math.Max(Height + 1 - windowHeight, 0);

    public FaceBox BoxAt(int x, int y) => new((int)MathF.Round(x * Scale), (int)MathF.Round(y * Scale), BoxWidth, BoxHeight);
}
