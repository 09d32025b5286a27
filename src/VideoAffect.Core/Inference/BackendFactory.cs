using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using VideoAffect.Inference.Managed;
using VideoAffect.Model;

namespace VideoAffect.Inference;

/// <summary>Turns a backend name from the command line into a ready backend, or a clear reason why not.</summary>
public static class BackendFactory
{
    /// <summary>The backend names <c>Create</c> takes.</summary>
    public static readonly IReadOnlyList<string> Names = ["auto", "cuda", "opencl", "ilgpu-cpu", "cpu"];

    /// <summary>A backend for <paramref name="network"/>: the device one asked for (a one-line <see cref="VideoAffectException"/> when it is absent or unusable), or for auto CUDA when usable, else the managed SIMD CPU path.</summary>
    /// <param name="name">auto, cuda, opencl, ilgpu-cpu or cpu (<see cref="Names"/>).</param>
    /// <param name="network">The network to run.</param>
    /// <param name="maxBatch">Most items per forward pass; buffers are allocated for it once.</param>
    /// <param name="log">Where a device backend reports batches it had to run on the CPU instead.</param>
    public static IInferenceBackend Create(string name, Network network, int maxBatch, Action<string>? log = null)
    {
        network.CheckBatchSize(maxBatch);
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return new ManagedCpuBackend(network, maxBatch);
            case "ilgpu-cpu":
                return new IlgpuBackend(network, IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", maxBatch);
            case "cuda":
                return Guarded(FromDevice(AcceleratorType.Cuda, "cuda", network, maxBatch)
                    ?? throw new VideoAffectException("backend 'cuda': no CUDA device found (no NVIDIA GPU or driver); use --backend cpu"), log);
            case "opencl":
                return Guarded(FromDevice(AcceleratorType.OpenCL, "opencl", network, maxBatch)
                    ?? throw new VideoAffectException("backend 'opencl': no OpenCL device found (install an OpenCL ICD); use --backend cpu"), log);
            case "auto":
                // ILGPU only where a driver says there may be a GPU: its context costs a CPU-only run ~0.1 s (GpuDriverCheck).
                var gpu = !GpuDriverCheck.MayHaveGpu() ? null
                    : TryDevice(AcceleratorType.Cuda, "cuda", network, maxBatch) ?? TryDevice(AcceleratorType.OpenCL, "opencl", network, maxBatch, IsOpenClGpu);
                return gpu is null ? new ManagedCpuBackend(network, maxBatch) : Guarded(gpu, log);
            default:
                throw new VideoAffectException($"unknown backend '{name}'; choose one of: {string.Join(", ", Names)}");
        }
    }

    /// <summary>A GPU batch that fails runs again on the CPU path (see <see cref="FallbackBackend"/>).</summary>
    static IInferenceBackend Guarded(IInferenceBackend gpu, Action<string>? log) => new FallbackBackend(gpu, log: log);

    /// <summary>The ILGPU engine behind a backend, if it has one (a detector can share its accelerator).</summary>
    internal static IlgpuBackend? IlgpuEngine(IInferenceBackend backend) => backend switch
    {
        IlgpuBackend ilgpu => ilgpu,
        FallbackBackend { Device: IlgpuBackend ilgpu } => ilgpu,
        _ => null,
    };

    /// <summary>
    /// 'auto' takes OpenCL only on a GPU or accelerator card: an OpenCL CPU driver (PoCL) runs our
    /// kernels on the same cores the managed SIMD path uses, and slower than it.
    /// </summary>
    static bool IsOpenClGpu(Device device) =>
        device is CLDevice cl && cl.DeviceType is CLDeviceType.CL_DEVICE_TYPE_GPU or CLDeviceType.CL_DEVICE_TYPE_ACCELERATOR;

    /// <summary>
    /// The first device of <paramref name="type"/> that can run our kernels, GPUs before CPU drivers;
    /// null when there is none at all, an error naming the reason when every one is unusable.
    /// </summary>
    static IInferenceBackend? FromDevice(AcceleratorType type, string backend, Network network, int maxBatch, Func<Device, bool>? accept = null)
    {
        var devices = IlgpuRuntime.Devices(type).Where(d => accept?.Invoke(d) ?? true).OrderBy(d => IsOpenClGpu(d) ? 0 : 1).ToList();
        if (devices.Count == 0) return null;
        string? reason = null;
        foreach (var device in devices)
        {
            Accelerator? accelerator = null;
            try
            {
                accelerator = IlgpuRuntime.CreateVerified(device);
                return new IlgpuBackend(network, accelerator, backend, maxBatch);
            }
            catch (Exception e)
            {
                accelerator?.Dispose();
                reason ??= $"device '{device.Name}' cannot run VideoAffect's kernels: {IlgpuRuntime.OneLine(e)}";
            }
        }
        throw new VideoAffectException($"backend '{backend}': {reason}");
    }

    /// <summary>For 'auto': a device that is absent or unusable is skipped, not an error.</summary>
    static IInferenceBackend? TryDevice(AcceleratorType type, string backend, Network network, int maxBatch, Func<Device, bool>? accept = null)
    {
        try { return FromDevice(type, backend, network, maxBatch, accept); }
        catch (VideoAffectException) { return null; }
    }
}
