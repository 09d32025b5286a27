using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Training.Cpu;

namespace VideoAffect.Training;

/// <summary>Picks where training runs, by the same backend names as inference.</summary>
internal static class TrainingEngineFactory
{
    /// <summary>
    /// auto: CUDA, then an OpenCL GPU, else the managed CPU path (ILGPU's CPU accelerator only on
    /// request: it simulates GPU threads and is far slower than the managed path).
    /// </summary>
    public static TrainingEngine Create(string backend, Network network, int batch)
    {
        network.CheckBatchSize(batch);
        switch (backend.ToLowerInvariant())
        {
            case "cpu": return new ManagedTrainingEngine(network, batch);
            case "ilgpu-cpu": return new IlgpuTrainingEngine(network, IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", batch);
            case "cuda":
                return OnDevice(AcceleratorType.Cuda, "cuda", network, batch)
                    ?? throw new VideoAffectException("backend 'cuda': no usable CUDA device (no NVIDIA GPU or driver); use --backend cpu");
            case "opencl":
                return OnDevice(AcceleratorType.OpenCL, "opencl", network, batch)
                    ?? throw new VideoAffectException("backend 'opencl': no OpenCL device can run VideoAffect's kernels; use --backend cpu");
            case "auto":
                return OnDevice(AcceleratorType.Cuda, "cuda", network, batch)
                    ?? OnDevice(AcceleratorType.OpenCL, "opencl", network, batch, d => d is CLDevice { DeviceType: CLDeviceType.CL_DEVICE_TYPE_GPU })
                    ?? new ManagedTrainingEngine(network, batch);
            default:
                throw new VideoAffectException($"unknown backend '{backend}'; choose one of: {string.Join(", ", BackendFactory.Names)}");
        }
    }

    static TrainingEngine? OnDevice(AcceleratorType type, string name, Network network, int batch, Func<Device, bool>? accept = null)
    {
        foreach (var device in IlgpuRuntime.Devices(type).Where(d => accept?.Invoke(d) ?? true))
        {
            Accelerator? accelerator = null;
            try
            {
                accelerator = IlgpuRuntime.CreateVerified(device);
                return new IlgpuTrainingEngine(network, accelerator, name, batch);
            }
            catch (Exception)
            {
                accelerator?.Dispose(); // unusable (e.g. PoCL's missing generic address space): try the next one
            }
        }
        return null;
    }
}
