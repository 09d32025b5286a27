using BenchmarkDotNet.Attributes;
using VideoAffect.Inference;
using VideoAffect.Model;

namespace VideoAffect.Bench;

/// <summary>
/// The shipped network's forward pass per backend and batch size. Each benchmark classifies 64
/// faces and counts one operation per face, so "Op/s" reads as faces/s; the Ratio column compares
/// with batch 1 on the same backend, measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class NetworkBenchmarks
{
    const int Faces = 64;
    readonly Dictionary<int, IInferenceBackend> _backends = new();
    float[] _input = null!, _output = null!;

    [Params("cpu")]
    public string Backend { get; set; } = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        var network = PretrainedModel.Load();
        var random = new Random(42);
        _input = Enumerable.Range(0, Faces * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _output = new float[Faces * network.ClassCount];
        foreach (int batch in new[] { 1, 16, 64 })
        {
            _backends[batch] = BackendFactory.Create(Backend, network, batch);
            _backends[batch].Run(_input, batch, _output); // warm-up: JIT, kernel compilation
        }
    }

    void Classify(int batch)
    {
        var backend = _backends[batch];
        for (int done = 0; done < Faces; done += batch)
            backend.Run(_input, batch, _output);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Faces)]
    public void Batch1() => Classify(1);

    [Benchmark(OperationsPerInvoke = Faces)]
    public void Batch16() => Classify(16);

    [Benchmark(OperationsPerInvoke = Faces)]
    public void Batch64() => Classify(64);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _backends.Values) b.Dispose();
    }
}
