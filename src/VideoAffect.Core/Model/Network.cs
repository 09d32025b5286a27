namespace VideoAffect.Model;

/// <summary>
/// A classifier as a list of layers in topological order: layer 0 is the input, the last layer
/// produces the class probabilities. Backends compile it into their own buffers and launches.
/// </summary>
public sealed class Network
{
    public Network(IReadOnlyList<Layer> layers, IReadOnlyList<string> labels, string source)
    {
        if (layers.Count < 2 || layers[0] is not InputLayer)
            throw new ModelFormatException($"{source}: a network needs an input layer followed by at least one op");
        if (layers[^1].OutputShape.Size != labels.Count)
            throw new ModelFormatException($"{source}: the network outputs {layers[^1].OutputShape.Size} values per item, expected {labels.Count} classes");
        Layers = layers;
        Labels = labels;
        Source = source;
    }

    public IReadOnlyList<Layer> Layers { get; }
    public IReadOnlyList<string> Labels { get; }
    /// <summary>Where the network came from, for messages.</summary>
    public string Source { get; }
    public TensorShape InputShape => Layers[0].OutputShape;
    public int ClassCount => Labels.Count;
    public long MultiplyAddsPerItem => Layers.Sum(l => l.MultiplyAdds);

    /// <summary>Most items one pass may hold: 4096, and fewer where the largest activation would no longer fit one .NET array.</summary>
    public int MaxBatchSize => (int)Math.Min(4096, int.MaxValue / Math.Max(1, Layers.Max(l => (long)l.OutputShape.Size)));

    /// <summary>Refuses an impossible batch size up front, with the fix, instead of overflowing deep inside a backend.</summary>
    public void CheckBatchSize(int batch)
    {
        if (batch < 1 || batch > MaxBatchSize)
            throw new VideoAffectException($"--batch-size must be between 1 and {MaxBatchSize} for this model (got {batch})");
    }
}
