using VideoAffect.Inference;
using VideoAffect.Model;

namespace VideoAffect.Tests.Support;

/// <summary>Backends every test machine can run: the managed CPU path and our kernels on ILGPU's CPU accelerator.</summary>
static class Backends
{
    public static readonly TheoryData<string> Portable = new() { "cpu", "ilgpu-cpu" };

    /// <summary>A one-op network: the input, optional helper layers, then the op under test as output.</summary>
    public static Network Wrap(TensorShape inputShape, Func<List<Layer>, Layer> build)
    {
        var layers = new List<Layer> { new InputLayer("input", inputShape) };
        layers.Add(build(layers));
        var labels = Enumerable.Range(0, layers[^1].OutputShape.Size).Select(i => $"v{i}").ToList();
        return new Network(layers, labels, "test");
    }

    /// <summary>
    /// A backend by name; "cpu-avx2" is the managed path held to 256-bit vectors, so that the
    /// kernels an AVX2-only machine runs are tested on an AVX-512 one too; "ilgpu-gpu-shaped" is our
    /// kernels on ILGPU's CPU accelerator with an NVIDIA GPU's warps and group sizes, taking a GPU's
    /// path: the tiled GEMM, each convolution's kernel chosen by timing (<see cref="Kernels.TunedConvolution"/>).
    /// </summary>
    public static IInferenceBackend Create(string backend, Network network, int maxBatch) => backend switch
    {
        "cpu-avx2" => new VideoAffect.Inference.Managed.ManagedCpuBackend(network, maxBatch, allowAvx512: false),
        "ilgpu-gpu-shaped" => new IlgpuBackend(network, IlgpuRuntime.CreateGpuShapedCpuAccelerator(), backend, maxBatch, tiledKernels: true),
        _ => BackendFactory.Create(backend, network, maxBatch),
    };

    public static float[] Run(string backend, Network network, float[] input, int batch)
    {
        using var engine = Create(backend, network, batch);
        var output = new float[batch * network.ClassCount];
        engine.Run(input, batch, output);
        return output;
    }
}
