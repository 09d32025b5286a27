using VideoAffect.Engine.Cpu;
using VideoAffect.Kernels.Training;
using VideoAffect.Model;

namespace VideoAffect.Training.Cpu;

/// <summary>
/// Training on the CPU: the forward pass with the inference path's SIMD convolutions, the backward
/// pass with <see cref="ManagedConvBackward"/> and <see cref="ManagedTrainingOps"/>. It trains the
/// network's own weight arrays in place.
/// </summary>
internal sealed class ManagedTrainingEngine : TrainingEngine
{
    readonly float[][] _activations, _gradients;
    readonly PackedConv2D?[] _convolutions;
    readonly TransposedConvolution?[] _inputGradients;
    readonly (float[] Weights, float[] Bias)?[] _parameterGradients;
    readonly float[][] _mean, _variance;
    readonly float[] _transposed;
    readonly int[] _labels;

    public ManagedTrainingEngine(Network network, int maxBatch, bool computeInputGradient = false)
        : base(network, maxBatch, computeInputGradient)
    {
        var layers = network.Layers;
        _activations = layers.Select(l => new float[maxBatch * l.OutputShape.Size]).ToArray();
        _gradients = layers.Select((l, i) => i > 0 || computeInputGradient ? new float[maxBatch * l.OutputShape.Size] : []).ToArray();
        _convolutions = layers.Select(l => l is Conv2DLayer c ? new PackedConv2D(c.Weights, c.Bias, c.Geometry, c.Relu, maxBatch) : null).ToArray();
        _inputGradients = layers.Select(l => l is Conv2DLayer c && TransposedConvolution.Handles(c.Geometry) ? new TransposedConvolution(c.Geometry, c.Weights, maxBatch) : null).ToArray();
        _parameterGradients = layers.Select(l => l is Conv2DLayer c ? (new float[c.Weights.Length], new float[c.Bias.Length]) : ((float[], float[])?)null).ToArray();
        var arrays = ParameterArrays().ToArray();
        _mean = arrays.Select(a => new float[a.Length]).ToArray();
        _variance = arrays.Select(a => new float[a.Length]).ToArray();
        _transposed = new float[layers.OfType<Conv2DLayer>().Select(c => c.Weights.Length).DefaultIfEmpty(0).Max()];
        _labels = new int[maxBatch];
    }

    public override string Name => "cpu";
    public override string DeviceName => $"managed SIMD ({Environment.ProcessorCount} threads)";

    Conv2DLayer Conv(int layer) => (Conv2DLayer)Network.Layers[layer];

    IEnumerable<float[]> ParameterArrays() => Parameters.SelectMany(i => new[] { Conv(i).Weights, Conv(i).Bias });
    IEnumerable<float[]> GradientArrays() => Parameters.SelectMany(i => new[] { _parameterGradients[i]!.Value.Weights, _parameterGradients[i]!.Value.Bias });

    protected override void UploadBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        inputs.CopyTo(_activations[0]);
        labels.CopyTo(_labels);
    }

    protected override void ConvForward(int layer, int count) => _convolutions[layer]!.Run(_activations[layer - 1], _activations[layer], count);

    protected override void MaxPoolForward(int layer, int count) =>
        ManagedMaxPool.Run(_activations[layer - 1], _activations[layer], count, ((MaxPoolLayer)Network.Layers[layer]).Geometry);

    protected override void Dropout(int layer, int count, uint? seed, float rate, bool backward)
    {
        var (source, target) = backward ? (_gradients[layer], _gradients[layer - 1]) : (_activations[layer - 1], _activations[layer]);
        int length = count * Network.Layers[layer].OutputShape.Size;
        if (seed is { } s) ManagedTrainingOps.Dropout(source, target, length, s, rate);
        else Array.Copy(source, target, length);
    }

    protected override BatchOutcome Loss(int count) =>
        ManagedTrainingOps.SoftmaxCrossEntropy(_activations[LogitsLayer], _labels, _activations[^1], _gradients[LogitsLayer], count, Network.ClassCount);

    protected override void ReluBackward(int layer, int count) =>
        ManagedTrainingOps.ReluBackward(_activations[layer], _gradients[layer], count * Network.Layers[layer].OutputShape.Size);

    protected override void ConvBackwardWeights(int layer, int count)
    {
        var (w, b) = _parameterGradients[layer]!.Value;
        var g = Conv(layer).Geometry;
        if (BlockedWeightGradient.Handles(g)) BlockedWeightGradient.Run(_activations[layer - 1], _gradients[layer], w, b, count, g);
        else ManagedConvBackward.Weights(_activations[layer - 1], _gradients[layer], w, b, count, g);
    }

    protected override void ConvBackwardInput(int layer, int count)
    {
        if (_inputGradients[layer] is { } transposed) transposed.Run(_gradients[layer], _gradients[layer - 1], count);
        else ManagedConvBackward.Input(_gradients[layer], Conv(layer).Weights, _transposed, _gradients[layer - 1], count, Conv(layer).Geometry);
    }

    protected override void MaxPoolBackward(int layer, int count) =>
        ManagedTrainingOps.MaxPoolBackward(_activations[layer - 1], _activations[layer], _gradients[layer], _gradients[layer - 1], count, ((MaxPoolLayer)Network.Layers[layer]).Geometry);

    protected override void WriteGradient(int layer, ReadOnlySpan<float> gradient) => gradient.CopyTo(_gradients[layer]);

    public override void ApplyAdam(AdamStep step)
    {
        var weights = ParameterArrays().ToArray();
        var gradients = GradientArrays().ToArray();
        for (int a = 0; a < weights.Length; a++)
            ManagedTrainingOps.Adam(weights[a], gradients[a], _mean[a], _variance[a], step);
        foreach (int i in Parameters)
        {
            _convolutions[i]!.Load(Conv(i).Weights, Conv(i).Bias);
            _inputGradients[i]?.Load(Conv(i).Weights);
        }
    }

    public override void DownloadParameters() { } // trained in place

    public override float[] ReadActivation(int layer, int count) => _activations[layer][..(count * Network.Layers[layer].OutputShape.Size)];
    public override float[] ReadGradient(int layer, int count) => _gradients[layer][..(count * Network.Layers[layer].OutputShape.Size)];
    public override (float[] Weights, float[] Bias) ReadParameterGradients(int layer) =>
        ((float[])_parameterGradients[layer]!.Value.Weights.Clone(), (float[])_parameterGradients[layer]!.Value.Bias.Clone());

    public override AdamMoments ReadMoments() =>
        new(_mean.Select(m => (float[])m.Clone()).ToArray(), _variance.Select(v => (float[])v.Clone()).ToArray());

    public override void WriteMoments(AdamMoments moments)
    {
        CheckMoments(moments, _mean);
        for (int a = 0; a < _mean.Length; a++)
        {
            moments.Mean[a].CopyTo(_mean[a], 0);
            moments.Variance[a].CopyTo(_variance[a], 0);
        }
    }

    internal static void CheckMoments(AdamMoments moments, float[][] expected)
    {
        if (moments.Mean.Length != expected.Length || moments.Variance.Length != expected.Length
            || expected.Where((e, a) => moments.Mean[a].Length != e.Length || moments.Variance[a].Length != e.Length).Any())
            throw new VideoAffectException("the checkpoint's optimizer state does not fit this network");
    }

    public override void Dispose() { }
}
