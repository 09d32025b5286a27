namespace VideoAffect.Model;

/// <summary>Shape of one batch item of an NHWC activation (the batch axis is implicit).</summary>
public readonly record struct TensorShape(int Height, int Width, int Channels)
{
    public int Size => Height * Width * Channels;
    public override string ToString() => $"{Height}x{Width}x{Channels}";
}
