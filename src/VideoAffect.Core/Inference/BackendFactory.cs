using ILGPU.Runtime;
using VideoAffect.Inference.Managed;
using VideoAffect.Model;

namespace VideoAffect.Inference;

/// <summary>Turns a backend name from the command line into a ready backend, or a clear reason why not.</summary>
public static class BackendFactory
{
    public static readonly IReadOnlyList<string> Names = ["auto", "cuda", "opencl", "ilgpu-cpu", "cpu"];

    public static IInferenceBackend Create(string name, Network network, int maxBatch)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return new ManagedCpuBackend(network, maxBatch);
            case "ilgpu-cpu":
                return new IlgpuBackend(network, IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", maxBatch);
            case "cuda":
                return FromDevice(AcceleratorType.Cuda, "cuda", network, maxBatch)
                    ?? throw new VideoAffectException("backend 'cuda': no CUDA device found (no NVIDIA GPU or driver); use --backend cpu");
            case "opencl":
                return FromDevice(AcceleratorType.OpenCL, "opencl", network, maxBatch)
                    ?? throw new VideoAffectException("backend 'opencl': no OpenCL device found (install an OpenCL ICD); use --backend cpu");
            case "auto":
                return TryDevice(AcceleratorType.Cuda, "cuda", network, maxBatch)
                    ?? new ManagedCpuBackend(network, maxBatch);
            default:
                throw new VideoAffectException($"unknown backend '{name}'; choose one of: {string.Join(", ", Names)}");
        }
    }

    static IInferenceBackend? FromDevice(AcceleratorType type, string backend, Network network, int maxBatch)
    {
        var device = IlgpuRuntime.Devices(type).FirstOrDefault();
        if (device is null) return null;
        Accelerator accelerator;
        try { accelerator = IlgpuRuntime.CreateVerified(device); }
        catch (Exception e) { throw new VideoAffectException($"backend '{backend}': device '{device.Name}' cannot run VideoAffect's kernels: {IlgpuRuntime.OneLine(e)}"); }
        return new IlgpuBackend(network, accelerator, backend, maxBatch);
    }

    /// <summary>For 'auto': a device that is absent or unusable is skipped, not an error.</summary>
    static IInferenceBackend? TryDevice(AcceleratorType type, string backend, Network network, int maxBatch)
    {
        try { return FromDevice(type, backend, network, maxBatch); }
        catch (VideoAffectException) { return null; }
    }
}
