namespace VideoAffect.Engine;

/// <summary>
/// Shape of one batch item of an activation, row-major with the batch axis implicit. Images are
/// rank 3 (height, width, channels: NHWC); other tensors (a detector's anchors x values) have the
/// rank their model gives them. Reshaping never moves data, so a backend can treat it as a copy.
/// </summary>
public readonly struct TensorShape : IEquatable<TensorShape>
{
    readonly int[]? _dims;

    /// <summary>An image shape.</summary>
    public TensorShape(int height, int width, int channels) : this([height, width, channels]) { }

    /// <summary>A shape of any rank; every dimension positive.</summary>
    public TensorShape(params int[] dims)
    {
        if (dims.Length == 0 || dims.Any(d => d < 1))
            throw new ArgumentException($"a tensor shape needs positive dimensions, got [{string.Join(",", dims)}]");
        _dims = dims.ToArray();
    }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Dims => _dims ?? [0];
    /// <summary>Number of dimensions.</summary>
    public int Rank => Dims.Count;
    /// <summary>Whether this is height x width x channels.</summary>
    public bool IsImage => Rank == 3;
    /// <summary>An image shape's height.</summary>
    public int Height => Image(0);
    /// <summary>An image shape's width.</summary>
    public int Width => Image(1);
    /// <summary>An image shape's channels.</summary>
    public int Channels => Image(2);
    /// <summary>Number of elements.</summary>
    public int Size => _dims is null ? 0 : _dims.Aggregate(1, (a, d) => checked(a * d));

    int Image(int axis) => IsImage ? _dims![axis] : throw new InvalidOperationException($"shape {this} is not an image (height x width x channels)");

    /// <summary>Same dimensions in the same order.</summary>
    public bool Equals(TensorShape other) => Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => Dims.Aggregate(17, (h, d) => h * 31 + d);
    /// <summary>Same dimensions in the same order.</summary>
    public static bool operator ==(TensorShape a, TensorShape b) => a.Equals(b);
    /// <summary>Different dimensions.</summary>
    public static bool operator !=(TensorShape a, TensorShape b) => !a.Equals(b);
    /// <inheritdoc/>
    public override string ToString() => string.Join("x", Dims);
}
