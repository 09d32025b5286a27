using VideoAffect.Model;

namespace VideoAffect.Inference;

/// <summary>Shared argument checks and splitting of over-size batches for every backend.</summary>
public abstract class InferenceBackend : IInferenceBackend
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

    public void Run(ReadOnlySpan<float> input, int batch, Span<float> probabilities)
    {
        int inSize = Network.InputShape.Size, classes = Network.ClassCount;
        if (batch < 0 || input.Length < batch * inSize || probabilities.Length < batch * classes)
            throw new ArgumentException($"batch {batch} needs {batch * inSize} inputs and {batch * classes} outputs");
        for (int start = 0; start < batch; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, batch - start);
            RunBatch(input.Slice(start * inSize, count * inSize), count, probabilities.Slice(start * classes, count * classes));
        }
    }

    /// <summary>Runs at most <see cref="MaxBatch"/> items.</summary>
    protected abstract void RunBatch(ReadOnlySpan<float> input, int batch, Span<float> probabilities);

    public virtual void Dispose() { }
}
