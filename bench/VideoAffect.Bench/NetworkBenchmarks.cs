using BenchmarkDotNet.Attributes;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Model.Onnx;

namespace VideoAffect.Bench;

/// <summary>
/// The shipped network's forward pass: our cpu backend against OpenCV DNN running the same network
/// (exported by our ONNX exporter) in the same process and run. Each benchmark classifies 64 faces
/// in batches of <see cref="Batch"/>; one operation is one face. Ratio &lt; 1 means faster than OpenCV.
/// The Faces/s and GFLOP/s columns derive from the mean time (131.5 MFLOP per face).
/// </summary>
[Config(typeof(ThroughputConfig))]
public class NetworkBenchmarks
{
    const int Faces = 64;
    IInferenceBackend _cpu = null!;
    OpenCvDnnRunner _opencv = null!;
    float[] _input = null!, _output = null!;

    /// <summary>Read by <see cref="ThroughputConfig"/>: 2 FLOP per multiply-add of one face.</summary>
    public static double FlopsPerOperation => 2.0 * PretrainedModel.Load().MultiplyAddsPerItem;

    [Params(1, 16, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var network = PretrainedModel.Load();
        var random = new Random(42);
        _input = Enumerable.Range(0, Faces * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _output = new float[Faces * network.ClassCount];
        _cpu = BackendFactory.Create("cpu", network, Batch);
        _opencv = new OpenCvDnnRunner(network);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Faces)]
    public void OpenCvDnn()
    {
        for (int done = 0; done < Faces; done += Batch)
            _opencv.Run(_input.AsSpan(done * 4096), Batch, _output);
    }

    [Benchmark(OperationsPerInvoke = Faces)]
    public void Cpu()
    {
        for (int done = 0; done < Faces; done += Batch)
            _cpu.Run(_input.AsSpan(done * 4096, Batch * 4096), Batch, _output);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cpu.Dispose();
        _opencv.Dispose();
    }
}
