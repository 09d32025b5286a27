using ILGPU.Runtime;
using VideoAffect.Inference;

namespace VideoAffect.Tests.Support;

/// <summary>
/// When a GPU test may skip: only where no device of its kind exists (for CUDA: no NVIDIA kernel
/// driver is loaded either, else a missing device is a failure), or where ILGPU itself refuses
/// every one of them (PoCL 3.1 here: ILGPU's CapabilityNotSupportedException, "GenericAddressSpace").
/// A device ILGPU accepts and our code then fails on is the test's failure, never a skip.
/// </summary>
static class GpuGate
{
    public static void RequireDevice(string backend)
    {
        var type = backend == "cuda" ? AcceleratorType.Cuda : backend == "opencl" ? AcceleratorType.OpenCL
            : throw new ArgumentException($"not a GPU backend: {backend}");
        var devices = IlgpuRuntime.Devices(type).ToList();
        if (devices.Count == 0 && type == AcceleratorType.Cuda && DriverLibraries.WhyNoCudaDevice() is { } why)
            Assert.Fail($"cuda: {why}"); // the GPU is there: not finding it is our failure
        if (devices.Count == 0) throw new SkipException($"{backend}: no such device on this machine");
        var refused = new List<string>();
        foreach (var device in devices)
        {
            try
            {
                using var accelerator = device.CreateAccelerator(IlgpuRuntime.Context);
                return; // ILGPU accepts it: the test runs, and our failures fail it
            }
            catch (ILGPU.CapabilityNotSupportedException e) { refused.Add($"{device.Name}: {e.Message}"); }
        }
        throw new SkipException($"{backend}: ILGPU does not support the devices here ({string.Join("; ", refused)})");
    }
}
