namespace VideoAffect.Engine;

/// <summary>
/// Shape of one batch item of an activation, row-major with the batch axis implicit. Images are
/// rank 3 (height, width, channels: NHWC); other tensors (a detector's anchors x values) have the
/// rank their model gives them. Reshaping never moves data, so a backend can treat it as a copy.
/// </summary>
public readonly struct TensorShape : IEquatable<TensorShape>
{
    readonly int[]? _dims;

    public TensorShape(int height, int width, int channels) : this([height, width, channels]) { }

    public TensorShape(params int[] dims)
    {
        if (dims.Length == 0 || dims.Any(d => d < 1))
            throw new ArgumentException($"a tensor shape needs positive dimensions, got [{string.Join(",", dims)}]");
        _dims = dims.ToArray();
    }

    public IReadOnlyList<int> Dims => _dims ?? [0];
    public int Rank => Dims.Count;
    public bool IsImage => Rank == 3;
    public int Height => Image(0);
    public int Width => Image(1);
    public int Channels => Image(2);
    public int Size => _dims is null ? 0 : _dims.Aggregate(1, (a, d) => checked(a * d));

    int Image(int axis) => IsImage ? _dims![axis] : throw new InvalidOperationException($"shape {this} is not an image (height x width x channels)");

    public bool Equals(TensorShape other) => Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);
    public override int GetHashCode() => Dims.Aggregate(17, (h, d) => h * 31 + d);
    public static bool operator ==(TensorShape a, TensorShape b) => a.Equals(b);
    public static bool operator !=(TensorShape a, TensorShape b) => !a.Equals(b);
    public override string ToString() => string.Join("x", Dims);
}
