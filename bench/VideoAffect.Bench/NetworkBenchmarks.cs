using BenchmarkDotNet.Attributes;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Model.Onnx;

namespace VideoAffect.Bench;

/// <summary>
/// The shipped network's forward pass: each usable backend (cpu, and cuda / opencl where a device
/// can run our kernels) against OpenCV DNN running the same network (exported by our ONNX
/// exporter) in the same process and run. Each benchmark classifies 256 faces in batches of
/// <see cref="Batch"/>; one operation is one face. Ratio &lt; 1 means faster than OpenCV.
/// The Faces/s and GFLOP/s columns derive from the mean time (131.5 MFLOP per face).
/// </summary>
[Config(typeof(ThroughputConfig))]
public class NetworkBenchmarks
{
    const int Faces = 256;
    IInferenceBackend _backend = null!;
    OpenCvDnnRunner _opencv = null!;
    float[] _input = null!, _output = null!;

    /// <summary>Read by <see cref="ThroughputConfig"/>: 2 FLOP per multiply-add of one face.</summary>
    public static double FlopsPerOperation => 2.0 * PretrainedModel.Load().MultiplyAddsPerItem;

    [Params(1, 16, 64, 256)]
    public int Batch { get; set; }

    [ParamsSource(nameof(UsableBackends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>
    /// cpu always; GPU backends when this machine can run them. ILGPU's CPU accelerator is left
    /// out: it simulates a GPU and takes about a second a face.
    /// </summary>
    public static IEnumerable<string> UsableBackends()
    {
        yield return "cpu";
        foreach (var report in IlgpuRuntime.Survey().Where(r => r.Usable && r.Backend is "cuda" or "opencl").DistinctBy(r => r.Backend))
            yield return report.Backend;
    }

    [GlobalSetup]
    public void Setup()
    {
        var network = PretrainedModel.Load();
        var random = new Random(42);
        _input = Enumerable.Range(0, Faces * network.InputShape.Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _output = new float[Faces * network.ClassCount];
        _backend = BackendFactory.Create(Backend, network, Batch);
        _opencv = new OpenCvDnnRunner(network);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Faces)]
    public void OpenCvDnn()
    {
        for (int done = 0; done < Faces; done += Batch)
            _opencv.Run(_input.AsSpan(done * 4096), Batch, _output);
    }

    [Benchmark(OperationsPerInvoke = Faces)]
    public void Network()
    {
        for (int done = 0; done < Faces; done += Batch)
            _backend.Run(_input.AsSpan(done * 4096, Batch * 4096), Batch, _output);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _backend.Dispose();
        _opencv.Dispose();
    }
}
