using VideoAffect.Kernels;

namespace VideoAffect.Model;

/// <summary>
/// One node of the layer graph. Inputs are indices of earlier layers in <see cref="Network.Layers"/>,
/// which is in topological order, so a backend can run the layers front to back.
/// </summary>
public abstract class Layer
{
    protected Layer(string name, int[] inputs, TensorShape outputShape)
    {
        Name = name;
        Inputs = inputs;
        OutputShape = outputShape;
    }

    public string Name { get; }
    public IReadOnlyList<int> Inputs { get; }
    public TensorShape OutputShape { get; }
    /// <summary>Multiply-adds per batch item, for FLOP accounting in benchmarks.</summary>
    public virtual long MultiplyAdds => 0;
}

public sealed class InputLayer(string name, TensorShape shape) : Layer(name, [], shape);

/// <summary>Convolution with HWIO weights, bias and optional ReLU (TF's _FusedConv2D).</summary>
public class Conv2DLayer : Layer
{
    public Conv2DLayer(string name, int input, WindowGeometry geometry, float[] weights, float[] bias, bool relu)
        : base(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
    {
        int expected = geometry.KernelHeight * geometry.KernelWidth * geometry.InChannels * geometry.OutChannels;
        if (weights.Length != expected) throw new ModelFormatException($"layer '{name}': {weights.Length} weights, expected {expected}");
        if (bias.Length != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': {bias.Length} biases, expected {geometry.OutChannels}");
        Geometry = geometry; Weights = weights; Bias = bias; Relu = relu;
    }

    public WindowGeometry Geometry { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
    public bool Relu { get; }
    public override long MultiplyAdds =>
        (long)Geometry.OutputSize * Geometry.KernelHeight * Geometry.KernelWidth * Geometry.InChannels;
}

/// <summary>Depthwise convolution, channel multiplier 1, weights [kh, kw, C], bias and optional ReLU.</summary>
public sealed class DepthwiseConv2DLayer : Layer
{
    public DepthwiseConv2DLayer(string name, int input, WindowGeometry geometry, float[] weights, float[] bias, bool relu)
        : base(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
    {
        int expected = geometry.KernelHeight * geometry.KernelWidth * geometry.InChannels;
        if (geometry.InChannels != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': depthwise input and output channels differ");
        if (weights.Length != expected) throw new ModelFormatException($"layer '{name}': {weights.Length} weights, expected {expected}");
        if (bias.Length != geometry.OutChannels) throw new ModelFormatException($"layer '{name}': {bias.Length} biases, expected {geometry.OutChannels}");
        Geometry = geometry; Weights = weights; Bias = bias; Relu = relu;
    }

    public WindowGeometry Geometry { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
    public bool Relu { get; }
    public override long MultiplyAdds => (long)Geometry.OutputSize * Geometry.KernelHeight * Geometry.KernelWidth;
}

/// <summary>
/// Fully connected layer on the flattened input (NHWC order), weights [inputs, units], bias and
/// optional ReLU. It is exactly a 1x1 convolution over a 1 x 1 x inputs tensor, and NHWC makes the
/// flattening free, so every backend runs it with its convolution code.
/// </summary>
public sealed class DenseLayer(string name, int input, int inputs, int units, float[] weights, float[] bias, bool relu)
    : Conv2DLayer(name, input, new WindowGeometry(1, 1, inputs, units, 1, 1, 1, 1, Padding.Valid), weights, bias, relu)
{
    public int Units => units;
}

public sealed class MaxPoolLayer(string name, int input, WindowGeometry geometry)
    : Layer(name, [input], new TensorShape(geometry.OutHeight, geometry.OutWidth, geometry.OutChannels))
{
    public WindowGeometry Geometry { get; } = geometry;
}

/// <summary>Residual sum of two equally shaped tensors, optional ReLU.</summary>
public sealed class AddLayer(string name, int left, int right, TensorShape shape, bool relu)
    : Layer(name, [left, right], shape)
{
    public bool Relu { get; } = relu;
}

public sealed class ReluLayer(string name, int input, TensorShape shape) : Layer(name, [input], shape);

/// <summary>Mean over height and width: H x W x C -> 1 x 1 x C.</summary>
public sealed class GlobalAveragePoolLayer(string name, int input, TensorShape inputShape)
    : Layer(name, [input], new TensorShape(1, 1, inputShape.Channels))
{
    public TensorShape InputShape { get; } = inputShape;
}

/// <summary>
/// Inverted dropout (kept activations scaled by 1 / (1 - rate) while training): the identity at
/// inference, so every inference backend passes its input through.
/// </summary>
public sealed class DropoutLayer : Layer
{
    public DropoutLayer(string name, int input, TensorShape shape, float rate) : base(name, [input], shape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ModelFormatException($"layer '{name}': dropout rate {rate} is not in [0, 1)");
        Rate = rate;
    }

    public float Rate { get; }
}

public sealed class SoftmaxLayer(string name, int input, TensorShape shape) : Layer(name, [input], shape);
