using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// Builds a feed-forward network in the layer graph, layer after layer, the way Keras' Sequential
/// does: each layer takes the previous one's output, shapes follow from the input. Weights are
/// Glorot-uniform and biases zero (Keras' defaults) unless given, e.g. by the model file loader.
/// </summary>
internal sealed class SequentialBuilder
{
    readonly List<Layer> _layers = [];
    readonly Random _random;

    public SequentialBuilder(TensorShape input, int seed = 1)
    {
        _layers.Add(new InputLayer("input", input));
        _random = new Random(seed);
    }

    TensorShape Last => _layers[^1].OutputShape;
    /// <summary>The shape the last added layer produces.</summary>
    public TensorShape OutputShape => Last;
    int LastIndex => _layers.Count - 1;
    string NextName(string kind) => $"{kind}{_layers.Count}";

    public SequentialBuilder Conv2D(int filters, int kernel, bool relu = true, int stride = 1, Padding padding = Padding.Valid,
        float[]? weights = null, float[]? bias = null)
    {
        var g = new WindowGeometry(Last.Height, Last.Width, Last.Channels, filters, kernel, kernel, stride, stride, padding);
        int fanIn = kernel * kernel * Last.Channels, fanOut = kernel * kernel * filters;
        _layers.Add(new Conv2DLayer(NextName("conv"), LastIndex, g,
            weights ?? Glorot(fanIn * filters, fanIn, fanOut), bias ?? new float[filters], relu));
        return this;
    }

    public SequentialBuilder MaxPool(int size, int? stride = null, Padding padding = Padding.Valid)
    {
        var g = new WindowGeometry(Last.Height, Last.Width, Last.Channels, Last.Channels, size, size, stride ?? size, stride ?? size, padding);
        _layers.Add(new MaxPoolLayer(NextName("pool"), LastIndex, g));
        return this;
    }

    public SequentialBuilder Dropout(float rate)
    {
        _layers.Add(new DropoutLayer(NextName("dropout"), LastIndex, Last, rate));
        return this;
    }

    /// <summary>Fully connected on the flattened (NHWC order, as Keras' Flatten) previous output.</summary>
    public SequentialBuilder Dense(int units, bool relu = true, float[]? weights = null, float[]? bias = null)
    {
        int inputs = Last.Size;
        _layers.Add(new DenseLayer(NextName("dense"), LastIndex, inputs, units,
            weights ?? Glorot(inputs * units, inputs, units), bias ?? new float[units], relu));
        return this;
    }

    public SequentialBuilder Softmax()
    {
        _layers.Add(new SoftmaxLayer(NextName("softmax"), LastIndex, Last));
        return this;
    }

    public Network Build(IReadOnlyList<string> labels, string source) => new(_layers.ToArray(), labels, source);

    float[] Glorot(int count, int fanIn, int fanOut)
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((_random.NextDouble() * 2 - 1) * limit);
        return values;
    }
}
