using VideoAffect.Engine;

namespace VideoAffect.Inference;

/// <summary>
/// Runs a <see cref="Network"/> forward on batches of preprocessed inputs. One call at a time per
/// instance; callers that share one serialise through it (the pipeline has a single classify stage).
/// </summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>Backend id as the CLI names it (cpu, ilgpu-cpu, cuda, opencl).</summary>
    string Name { get; }
    /// <summary>The device it runs on, for logs and benchmarks.</summary>
    string DeviceName { get; }
    /// <summary>The network this backend runs.</summary>
    Network Network { get; }
    /// <summary>Largest batch one launch sequence takes; larger batches are split.</summary>
    int MaxBatch { get; }

    /// <summary>
    /// <paramref name="input"/>: <paramref name="batch"/> items of <see cref="Network.InputShape"/> in NHWC order.
    /// <paramref name="output"/>: receives the first output (a classifier's probabilities), batch x its size.
    /// </summary>
    void Run(ReadOnlySpan<float> input, int batch, Span<float> output);

    /// <summary>Every output: <paramref name="outputs"/>[k] receives batch x the size of <see cref="Network.Outputs"/>[k].</summary>
    void Run(ReadOnlySpan<float> input, int batch, IReadOnlyList<float[]> outputs);
}
