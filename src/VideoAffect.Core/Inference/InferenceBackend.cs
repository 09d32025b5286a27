using VideoAffect.Engine;

namespace VideoAffect.Inference;

/// <summary>Shared argument checks and splitting of over-size batches for every backend.</summary>
internal abstract class InferenceBackend : IInferenceBackend
{
    protected InferenceBackend(Network network, int maxBatch)
    {
        if (maxBatch < 1) throw new VideoAffectException($"batch size must be at least 1 (got {maxBatch})");
        Network = network;
        MaxBatch = maxBatch;
    }

    public abstract string Name { get; }
    public abstract string DeviceName { get; }
    public Network Network { get; }
    public int MaxBatch { get; }

    public void Run(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        int inSize = CheckInput(input, batch), outSize = Network.OutputShape(0).Size;
        if (output.Length < batch * outSize)
            throw new ArgumentException($"batch {batch} needs {batch * outSize} outputs");
        for (int start = 0; start < batch; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, batch - start);
            RunBatch(input.Slice(start * inSize, count * inSize), count);
            ReadOutput(0, count, output.Slice(start * outSize, count * outSize));
        }
    }

    public void Run(ReadOnlySpan<float> input, int batch, IReadOnlyList<float[]> outputs)
    {
        int inSize = CheckInput(input, batch);
        var sizes = Enumerable.Range(0, Network.Outputs.Count).Select(k => Network.OutputShape(k).Size).ToArray();
        if (outputs.Count != sizes.Length || outputs.Where((o, k) => o.Length < batch * sizes[k]).Any())
            throw new ArgumentException($"batch {batch} needs {sizes.Length} outputs of {string.Join(", ", sizes.Select(s => batch * s))} values");
        for (int start = 0; start < batch; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, batch - start);
            RunBatch(input.Slice(start * inSize, count * inSize), count);
            for (int k = 0; k < sizes.Length; k++)
                ReadOutput(k, count, outputs[k].AsSpan(start * sizes[k], count * sizes[k]));
        }
    }

    int CheckInput(ReadOnlySpan<float> input, int batch)
    {
        int inSize = Network.InputShape.Size;
        if (batch < 0 || input.Length < batch * inSize)
            throw new ArgumentException($"batch {batch} needs {batch * inSize} inputs");
        return inSize;
    }

    /// <summary>Runs at most <see cref="MaxBatch"/> items, leaving every output in the backend's buffers.</summary>
    protected abstract void RunBatch(ReadOnlySpan<float> input, int batch);

    /// <summary>Copies output <paramref name="output"/> of the last <see cref="RunBatch"/> to <paramref name="destination"/>.</summary>
    protected abstract void ReadOutput(int output, int batch, Span<float> destination);

    public virtual void Dispose() { }
}
