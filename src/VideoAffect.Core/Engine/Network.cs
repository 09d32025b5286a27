namespace VideoAffect.Engine;

/// <summary>One named result of a graph: which layer's activation it is.</summary>
public sealed record NetworkOutput(string Name, int Layer);

/// <summary>
/// A model as a list of layers in topological order: layer 0 is the input, and any layers are
/// named outputs. A classifier has one output of one value per label; a detector has several
/// (BlazeFace: scores and box regressors at two strides) and no labels. Backends compile it into
/// their own buffers and launches.
/// </summary>
public sealed class Network
{
    /// <summary>A classifier: the last layer is its one output, one value per label.</summary>
    internal Network(IReadOnlyList<Layer> layers, IReadOnlyList<string> labels, string source, InputSpec? input = null)
        : this(layers, [new NetworkOutput("probabilities", layers.Count - 1)], labels, source, input)
    {
        if (layers[^1].OutputShape.Size != labels.Count)
            throw new ModelFormatException($"{source}: the network outputs {layers[^1].OutputShape.Size} values per item, expected {labels.Count} classes");
    }

    /// <summary>Any graph: its named outputs, and labels only where it classifies.</summary>
    internal Network(IReadOnlyList<Layer> layers, IReadOnlyList<NetworkOutput> outputs, IReadOnlyList<string> labels, string source, InputSpec? input = null)
    {
        if (layers.Count < 2 || layers[0] is not InputLayer)
            throw new ModelFormatException($"{source}: a network needs an input layer followed by at least one op");
        if (outputs.Count == 0 || outputs.Any(o => o.Layer < 1 || o.Layer >= layers.Count))
            throw new ModelFormatException($"{source}: the network's outputs must be layers after its input");
        for (int i = 0; i < layers.Count; i++)
            if (layers[i].Inputs.Any(k => k < 0 || k >= i))
                throw new ModelFormatException($"{source}: layer '{layers[i].Name}' reads a layer that does not come before it");
        Layers = layers;
        Outputs = outputs;
        Labels = labels;
        Source = source;
        Input = (input ?? InputSpec.SignedUnit(layers[0].OutputShape, layers[0].OutputShape is { IsImage: true, Channels: 3 } ? PixelOrder.Rgb : PixelOrder.Gray));
        if (Input.Shape != layers[0].OutputShape)
            throw new ModelFormatException($"{source}: input spec {Input.Shape} differs from the input layer's {layers[0].OutputShape}");
    }

    /// <summary>The layers in topological order; the first is the input.</summary>
    public IReadOnlyList<Layer> Layers { get; }
    /// <summary>The model's outputs (a classifier has one: the probabilities).</summary>
    public IReadOnlyList<NetworkOutput> Outputs { get; }
    /// <summary>The classes of the first output, in order (FER-2013's seven for the shipped model).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>Where the network came from, for messages.</summary>
    public string Source { get; }
    /// <summary>What the model takes: shape, pixel order and normalisation.</summary>
    public InputSpec Input { get; }
    /// <summary>Shape of one input item.</summary>
    public TensorShape InputShape => Layers[0].OutputShape;
    /// <summary>Number of classes (<see cref="Labels"/>).</summary>
    public int ClassCount => Labels.Count;
    /// <summary>Multiply-adds of one forward pass per item, for throughput in GFLOP/s.</summary>
    public long MultiplyAddsPerItem => Layers.Sum(l => l.MultiplyAdds);

    /// <summary>Values per item of output <paramref name="index"/>.</summary>
    public TensorShape OutputShape(int index) => Layers[Outputs[index].Layer].OutputShape;

    /// <summary>The output called <paramref name="name"/>.</summary>
    public int OutputIndex(string name)
    {
        for (int i = 0; i < Outputs.Count; i++)
            if (Outputs[i].Name == name) return i;
        throw new ArgumentException($"{Source} has no output '{name}' (outputs: {string.Join(", ", Outputs.Select(o => o.Name))})");
    }

    /// <summary>Most items one pass may hold: 4096, and fewer where the largest activation would no longer fit one .NET array.</summary>
    public int MaxBatchSize => (int)Math.Min(4096, int.MaxValue / Math.Max(1, Layers.Max(l => (long)l.OutputShape.Size)));

    /// <summary>Refuses an impossible batch size up front, with the fix, instead of overflowing deep inside a backend.</summary>
    internal void CheckBatchSize(int batch)
    {
        if (batch < 1 || batch > MaxBatchSize)
            throw new VideoAffectException($"--batch-size must be between 1 and {MaxBatchSize} for this model (got {batch})");
    }
}
