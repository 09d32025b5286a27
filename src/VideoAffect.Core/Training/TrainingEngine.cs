using VideoAffect.Kernels.Training;
using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>Loss and predictions of one batch (per item), as the loss kernel computed them.</summary>
internal sealed record BatchOutcome(float[] Losses, int[] Predictions)
{
    public double LossSum => Losses.Sum(l => (double)l);
    public int Correct(ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < Predictions.Length; i++) if (Predictions[i] == labels[i]) correct++;
        return correct;
    }
}

/// <summary>
/// Trains a sequential network (convolutions and dense layers with fused ReLU, max pooling,
/// dropout, ending in softmax) with softmax cross-entropy and Adam. This class runs the passes
/// layer by layer; a device implements the per-layer operations and keeps every activation,
/// gradient, parameter and Adam moment in its own memory, so a batch costs one upload of the
/// inputs and labels and one download of the per-item losses and predictions.
/// </summary>
internal abstract class TrainingEngine : IDisposable
{
    protected TrainingEngine(Network network, int maxBatch, bool computeInputGradient)
    {
        if (maxBatch < 1) throw new VideoAffectException($"batch size must be at least 1 (got {maxBatch})");
        CheckTrainable(network);
        Network = network;
        MaxBatch = maxBatch;
        ComputesInputGradient = computeInputGradient;
        Parameters = network.Layers.Select((l, i) => (l, i)).Where(p => p.l is Conv2DLayer).Select(p => p.i).ToArray();
    }

    public Network Network { get; }
    public int MaxBatch { get; }
    /// <summary>Also compute the gradient with respect to the network input (for gradient checks).</summary>
    public bool ComputesInputGradient { get; }
    /// <summary>Indices of the layers with weights and bias, in order.</summary>
    public IReadOnlyList<int> Parameters { get; }
    public abstract string Name { get; }
    public abstract string DeviceName { get; }
    protected int LogitsLayer => Network.Layers.Count - 2;

    static void CheckTrainable(Network network)
    {
        var layers = network.Layers;
        if (layers[^1] is not SoftmaxLayer)
            throw new VideoAffectException($"{network.Source}: training needs a network that ends in softmax");
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i].Inputs.Count != 1 || layers[i].Inputs[0] != i - 1)
                throw new VideoAffectException($"{network.Source}: training supports sequential networks only (layer '{layers[i].Name}' does not take the previous layer)");
            if (i < layers.Count - 1 && layers[i] is not (Conv2DLayer or MaxPoolLayer or DropoutLayer))
                throw new VideoAffectException($"{network.Source}: training has no backward pass for {layers[i].GetType().Name} ('{layers[i].Name}')");
        }
    }

    /// <summary>Forward, loss and backward for one batch; the gradients stay on the device for <see cref="ApplyAdam"/>.</summary>
    /// <param name="dropoutSeed">Seeds every dropout mask of this batch (each layer mixes in its index).</param>
    public BatchOutcome TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, uint dropoutSeed)
    {
        int count = Upload(inputs, labels);
        Forward(count, dropoutSeed, training: true);
        var outcome = Loss(count);
        Backward(count, dropoutSeed);
        return outcome;
    }

    /// <summary>Forward and loss with dropout off, as at inference.</summary>
    public BatchOutcome EvaluateBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int count = Upload(inputs, labels);
        Forward(count, 0, training: false);
        return Loss(count);
    }

    /// <summary>
    /// For gradient checks: forward pass, then the backward pass from a given gradient of the
    /// logits (the input of the final softmax) instead of the cross-entropy's.
    /// </summary>
    public void BackwardFrom(ReadOnlySpan<float> inputs, ReadOnlySpan<float> logitGradient, uint dropoutSeed)
    {
        int count = Upload(inputs, new int[inputs.Length / Network.InputShape.Size]);
        Forward(count, dropoutSeed, training: true);
        WriteGradient(LogitsLayer, logitGradient);
        Backward(count, dropoutSeed);
    }

    int Upload(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        int size = Network.InputShape.Size, count = labels.Length;
        if (count < 1 || count > MaxBatch || inputs.Length != count * size)
            throw new ArgumentException($"a batch of {count} items (at most {MaxBatch}) needs {count * size} inputs, got {inputs.Length}");
        foreach (int label in labels)
            if ((uint)label >= (uint)Network.ClassCount) throw new ArgumentException($"label {label} is not one of 0..{Network.ClassCount - 1}");
        UploadBatch(inputs, labels);
        return count;
    }

    void Forward(int count, uint seed, bool training)
    {
        var layers = Network.Layers;
        for (int i = 1; i < layers.Count - 1; i++)
            switch (layers[i])
            {
                case Conv2DLayer: ConvForward(i, count); break;
                case MaxPoolLayer: MaxPoolForward(i, count); break;
                case DropoutLayer d: Dropout(i, count, training ? LayerSeed(seed, i) : null, d.Rate, backward: false); break;
            }
    }

    void Backward(int count, uint seed)
    {
        var layers = Network.Layers;
        for (int i = LogitsLayer; i >= 1; i--)
        {
            bool needInputGradient = i > 1 || ComputesInputGradient;
            switch (layers[i])
            {
                case Conv2DLayer c:
                    if (c.Relu) ReluBackward(i, count);
                    ConvBackwardWeights(i, count);
                    if (needInputGradient) ConvBackwardInput(i, count);
                    break;
                case MaxPoolLayer:
                    if (needInputGradient) MaxPoolBackward(i, count);
                    break;
                case DropoutLayer d:
                    if (needInputGradient) Dropout(i, count, LayerSeed(seed, i), d.Rate, backward: true);
                    break;
            }
        }
    }

    static uint LayerSeed(uint seed, int layer) => seed ^ (uint)layer * 0x85EBCA6Bu;

    /// <summary>One Adam step for every parameter, from the gradients of the last <see cref="TrainBatch"/>.</summary>
    public abstract void ApplyAdam(AdamStep step);

    protected abstract void UploadBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);
    protected abstract void ConvForward(int layer, int count);
    protected abstract void MaxPoolForward(int layer, int count);
    /// <summary>
    /// Forward: layer's output from its input; backward: its input gradient from its output
    /// gradient. A null seed (inference) copies unchanged.
    /// </summary>
    protected abstract void Dropout(int layer, int count, uint? seed, float rate, bool backward);
    protected abstract BatchOutcome Loss(int count);
    /// <summary>Zeroes the output gradient of a fused-ReLU layer where its output is zero.</summary>
    protected abstract void ReluBackward(int layer, int count);
    protected abstract void ConvBackwardWeights(int layer, int count);
    protected abstract void ConvBackwardInput(int layer, int count);
    protected abstract void MaxPoolBackward(int layer, int count);
    protected abstract void WriteGradient(int layer, ReadOnlySpan<float> gradient);

    /// <summary>Copies the device's current weights and biases into the network's layer arrays.</summary>
    public abstract void DownloadParameters();
    /// <summary>The output of a layer for the last batch (tests).</summary>
    public abstract float[] ReadActivation(int layer, int count);
    /// <summary>The gradient of the loss with respect to a layer's output, for the last batch (tests).</summary>
    public abstract float[] ReadGradient(int layer, int count);
    /// <summary>Weight and bias gradients of a parameter layer from the last batch.</summary>
    public abstract (float[] Weights, float[] Bias) ReadParameterGradients(int layer);
    /// <summary>Adam's first and second moments, per parameter array (weights, bias of each layer in order).</summary>
    public abstract AdamMoments ReadMoments();
    public abstract void WriteMoments(AdamMoments moments);

    public abstract void Dispose();
}

