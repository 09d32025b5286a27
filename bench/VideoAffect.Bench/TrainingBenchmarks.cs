using BenchmarkDotNet.Attributes;
using VideoAffect.Inference;
using VideoAffect.Training;

namespace VideoAffect.Bench;

/// <summary>
/// One training step of the seed network (forward, cross-entropy, backward, Adam) on a batch of 64
/// faces, per usable backend, against the baseline of the same backend's inference forward pass on
/// the same batch in the same run. One operation is one face: an epoch of FER-2013's 28,709
/// training faces takes about 28,709 x the TrainingStep mean. The GFLOP/s column counts the
/// forward pass's multiply-adds only (~77 M per face), so training's is about 3x what it shows.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class TrainingBenchmarks
{
    const int Batch = 64;
    TrainingEngine _engine = null!;
    IInferenceBackend _inference = null!;
    float[] _inputs = null!, _probabilities = null!;
    int[] _labels = null!;
    readonly AdamSettings _adam = new();
    long _step;

    public static double FlopsPerOperation => 2.0 * SeedNetwork.Create().MultiplyAddsPerItem;

    [ParamsSource(nameof(UsableBackends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>cpu, and cuda / opencl where usable; ILGPU's simulated CPU accelerator takes minutes per batch.</summary>
    public static IEnumerable<string> UsableBackends() => NetworkBenchmarks.UsableBackends();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var network = SeedNetwork.Create();
        _inputs = Enumerable.Range(0, Batch * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _labels = Enumerable.Range(0, Batch).Select(_ => random.Next(network.ClassCount)).ToArray();
        _probabilities = new float[Batch * network.ClassCount];
        _engine = TrainingEngineFactory.Create(Backend, network, Batch);
        _inference = BackendFactory.Create(Backend, SeedNetwork.Create(), Batch);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void InferenceForward() => _inference.Run(_inputs, Batch, _probabilities);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void TrainingStep()
    {
        _step++;
        _engine.TrainBatch(_inputs, _labels, (uint)_step);
        _engine.ApplyAdam(_adam.StepFor(_step));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _inference.Dispose();
    }
}
