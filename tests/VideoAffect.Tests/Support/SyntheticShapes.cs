namespace VideoAffect.Tests.Support;

/// <summary>
/// A learnable 7-class image set for training tests: stripes (horizontal, vertical, diagonal),
/// a disc, a hollow square, a plus and a checkerboard, each at a random position or phase, with
/// random background and contrast and Gaussian noise, so no single pixel gives the class away.
/// </summary>
sealed class SyntheticShapes(int side, int seed)
{
    public const int Classes = 7;
    readonly Random _random = new(seed);

    public byte[] Draw(int label)
    {
        double background = 40 + _random.NextDouble() * 60, contrast = 90 + _random.NextDouble() * 80;
        int period = Math.Max(4, side / 4), phase = _random.Next(period);
        double cx = side / 2.0 + (_random.NextDouble() - 0.5) * side / 4, cy = side / 2.0 + (_random.NextDouble() - 0.5) * side / 4;
        double radius = side * (0.2 + _random.NextDouble() * 0.1);
        var pixels = new byte[side * side];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                double dx = x - cx, dy = y - cy;
                bool on = label switch
                {
                    0 => (y + phase) % period < period / 2,
                    1 => (x + phase) % period < period / 2,
                    2 => (x + y + phase) % period < period / 2,
                    3 => dx * dx + dy * dy < radius * radius,
                    4 => Math.Max(Math.Abs(dx), Math.Abs(dy)) is var d && d < radius && d > radius - Math.Max(2, side / 12.0),
                    5 => (Math.Abs(dx) < side / 12.0 || Math.Abs(dy) < side / 12.0) && Math.Abs(dx) < radius && Math.Abs(dy) < radius,
                    _ => ((x + phase) / (period / 2) + (y + phase) / (period / 2)) % 2 == 0,
                };
                double value = background + (on ? contrast : 0) + Gaussian() * 18;
                pixels[y * side + x] = (byte)Math.Clamp(Math.Round(value), 0, 255);
            }
        return pixels;
    }

    double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
