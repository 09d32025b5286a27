using BenchmarkDotNet.Attributes;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;

namespace VideoAffect.Bench;

/// <summary>
/// BlazeFace's forward pass (256x256 RGB, about 189 million multiply-adds per frame) on the cpu
/// backend, at batch 1 (a live frame alone) and 8 (the detector's pass under load). One operation
/// is one frame; read GFLOP/s against <see cref="FmaPeakBenchmarks"/> of the same run.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class BlazeFaceBenchmarks
{
    const int Frames = 32;
    IInferenceBackend _backend = null!;
    float[] _input = null!;
    float[][] _outputs = null!;

    /// <summary>Read by <see cref="ThroughputConfig"/>: 2 FLOP per multiply-add of one frame.</summary>
    public static double FlopsPerOperation => 2.0 * BlazeFaceModel.Load().MultiplyAddsPerItem;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var network = BlazeFaceModel.Load();
        _backend = BackendFactory.Create("cpu", network, Batch);
        var random = new Random(3);
        _input = Enumerable.Range(0, Batch * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _outputs = network.Outputs.Select((_, k) => new float[Batch * network.OutputShape(k).Size]).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary><see cref="Frames"/> frames in passes of <see cref="Batch"/>.</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public void Forward()
    {
        for (int done = 0; done < Frames; done += Batch) _backend.Run(_input, Batch, _outputs);
    }
}
