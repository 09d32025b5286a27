using VideoAffect.Engine;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>The shipped model end to end: every backend against the float64 reference network and each other.</summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class NetworkTests
{
    static readonly Lazy<Network> Model = new(() => PretrainedModel.Load());

    /// <summary>The model without its softmax: logits expose differences a saturated softmax would hide.</summary>
    static Network Logits(Network n) => new(n.Layers.Take(n.Layers.Count - 1).ToList(), n.Labels, n.Source + " (logits)");

    [Theory]
    [InlineData("cpu", 3)]
    [InlineData("ilgpu-cpu", 2)]
    // A GPU's path: every convolution through its tuned kernel, the tiled GEMM in a GPU's groups. One
    // face: in GPU-sized groups of 1,024 simulated threads the test took 15 s alone here for two
    // faces, 8 s for one, in the kernel phase, which runs alone; the kernels' batch offsets are checked
    // in GPU shapes by their own tests (ConvGemm, DepthwiseConv2D, TunedConvolution: batches 1 to 7).
    [InlineData("ilgpu-gpu-shaped", 1)]
    public void Whole_network_matches_float64_reference(string backend, int batch)
    {
        var rnd = new RandomData();
        var network = Logits(Model.Value);
        var input = rnd.Floats(batch * network.InputShape.Size);
        var expected = ReferenceNetwork.Run(network, input, batch);
        using var engine = Backends.Create(backend, network, batch);
        var actual = new float[batch * network.ClassCount];
        engine.Run(input, batch, actual);
        double error = ReferenceOps.RelativeError(actual, expected);
        Assert.True(error <= 1e-4, $"{backend}: logits relative error {error:E2} (seed {rnd.Seed})");
        if (backend == "ilgpu-gpu-shaped")
        {
            // Each convolution, dense and depthwise layer made its choice (on the CPU accelerator: the default, untimed).
            var choices = ((IlgpuBackend)engine).TacticChoices();
            Assert.Equal(network.Layers.Count(l => l is Conv2DLayer or DepthwiseConv2DLayer), choices.Count);
            Assert.All(choices, c => Assert.Contains(c.Choice.Tactic, new[] { "strided GEMM", "one channel" }));
        }
    }

    [Fact]
    public void Cpu_backend_on_256_bit_vectors_matches_float64_reference()
    {
        // The AVX2 code path, even on a machine with AVX-512 (where "cpu" would pick 512-bit vectors).
        var rnd = new RandomData();
        var network = Logits(Model.Value);
        var input = rnd.Floats(3 * network.InputShape.Size);
        using var engine = new VideoAffect.Inference.Managed.ManagedCpuBackend(network, 3, allowAvx512: false);
        var actual = new float[3 * 7];
        engine.Run(input, 3, actual);
        double error = ReferenceOps.RelativeError(actual, ReferenceNetwork.Run(network, input, 3));
        Assert.True(error <= 1e-4, $"256-bit path: logits relative error {error:E2} (seed {rnd.Seed})");
    }

    [Fact]
    public void OpenCv_dnn_on_our_onnx_export_matches_float64_reference()
    {
        // Validates the exporter (layout transposes, explicit SAME pads) with an engine that is not ours.
        var rnd = new RandomData();
        var network = Logits(Model.Value);
        var input = rnd.Floats(2 * network.InputShape.Size);
        using var opencv = new VideoAffect.Model.Onnx.OpenCvDnnRunner(network);
        var actual = new float[2 * 7];
        opencv.Run(input, 2, actual);
        double error = ReferenceOps.RelativeError(actual, ReferenceNetwork.Run(network, input, 2));
        Assert.True(error <= 1e-4, $"OpenCV DNN on the ONNX export: logits relative error {error:E2} (seed {rnd.Seed})");
    }

    [Fact]
    public void Kernel_path_agrees_with_managed_path_on_probabilities()
    {
        var rnd = new RandomData();
        var network = Model.Value;
        // Half-scale noise keeps the softmax away from saturation.
        var input = rnd.Floats(2 * network.InputShape.Size, 0.5f);
        var managed = Backends.Run("cpu", network, input, 2);
        var kernels = Backends.Run("ilgpu-cpu", network, input, 2);
        double error = ReferenceOps.RelativeError(kernels, managed.Select(v => (double)v).ToArray());
        Assert.True(error <= 1e-4, $"ILGPU vs managed probabilities: relative error {error:E2} (seed {rnd.Seed})");
    }

    [Fact]
    public void Batches_larger_than_the_maximum_are_split_without_changing_results()
    {
        var rnd = new RandomData();
        var network = Model.Value;
        var input = rnd.Floats(5 * network.InputShape.Size, 0.5f);
        using var small = BackendFactory.Create("cpu", network, maxBatch: 2);
        var split = new float[5 * 7];
        small.Run(input, 5, split);
        var whole = Backends.Run("cpu", network, input, 5);
        Assert.True(ReferenceOps.RelativeError(split, whole.Select(v => (double)v).ToArray()) <= 1e-6);
    }

    [SkippableTheory]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void Gpu_backends_match_managed_path_where_present(string backend)
    {
        GpuGate.RequireDevice(backend);
        var engine = BackendFactory.Create(backend, Model.Value, 16);
        using (engine)
        {
            var rnd = new RandomData();
            var input = rnd.Floats(16 * Model.Value.InputShape.Size, 0.5f);
            var actual = new float[16 * 7];
            engine.Run(input, 16, actual);
            var managed = Backends.Run("cpu", Model.Value, input, 16);
            double error = ReferenceOps.RelativeError(actual, managed.Select(v => (double)v).ToArray());
            Assert.True(error <= 1e-4, $"{backend} vs managed: relative error {error:E2} (seed {rnd.Seed})");
        }
    }
}
