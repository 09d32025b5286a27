using System.Runtime.InteropServices;

namespace VideoAffect.Inference;

/// <summary>
/// Whether 'auto' could find a GPU here at all, asked of the drivers directly rather than through
/// ILGPU. Making ILGPU's context (its CPU, CUDA and OpenCL runtimes and algorithms library) cost
/// every run on a machine with no GPU its time, only to learn that there is none: a one-frame
/// `analyze` took 1.42 CPU-s and 1.21 s with it, 1.33 and 1.11 with this check instead, where
/// PoCL's CPU-only OpenCL driver is installed (which this check still loads); 1.28 and 1.08 against
/// 1.16 and 0.96 with no OpenCL driver at all (2 cores, 6 alternating pairs each, 2026-12-07).
/// Where either answer may be yes, 'auto' goes on to ILGPU as before, which lists, verifies and
/// picks the device: this check only spares it where it would find none.
/// </summary>
internal static class GpuDriverCheck
{
    // cl_device_type bits (CL/cl.h).
    internal const ulong OpenClCpu = 1 << 1, OpenClGpu = 1 << 2, OpenClAccelerator = 1 << 3, OpenClAll = 0xFFFFFFFF;

    /// <summary>
    /// False only where no CUDA driver loads and no OpenCL platform lists a GPU or accelerator card:
    /// the devices 'auto' takes (<see cref="BackendFactory"/>). True where it cannot tell (not Linux,
    /// an OpenCL library that fails in an unforeseen way): ILGPU then looks, as it always did.
    /// </summary>
    public static bool MayHaveGpu()
    {
        if (!OperatingSystem.IsLinux()) return true;
        try { return CudaDriverLoads() || OpenClDevices(OpenClGpu | OpenClAccelerator) > 0; }
        catch (Exception e) when (e is not OutOfMemoryException) { return true; }
    }

    /// <summary>
    /// The CUDA driver's library loads under a name ILGPU uses (<see cref="DriverLibraries"/>): left
    /// loaded, as ILGPU loads it next.
    /// </summary>
    internal static bool CudaDriverLoads() =>
        NativeLibrary.TryLoad("libcuda.so.1", out _) || NativeLibrary.TryLoad("libcuda.so", out _);

    /// <summary>
    /// How many devices of the types in <paramref name="typeMask"/> the installed OpenCL platforms
    /// list (0 without an OpenCL loader or platform), as ILGPU would list them: every platform's.
    /// </summary>
    internal static unsafe int OpenClDevices(ulong typeMask)
    {
        if (!NativeLibrary.TryLoad("libOpenCL.so.1", out var library) && !NativeLibrary.TryLoad("libOpenCL.so", out library)) return 0;
        var getPlatforms = (delegate* unmanaged<uint, IntPtr*, uint*, int>)NativeLibrary.GetExport(library, "clGetPlatformIDs");
        var getDevices = (delegate* unmanaged<IntPtr, ulong, uint, IntPtr*, uint*, int>)NativeLibrary.GetExport(library, "clGetDeviceIDs");
        uint platformCount = 0;
        // No platform at all is an error code (the ICD loader's CL_PLATFORM_NOT_FOUND_KHR), not a count of 0.
        if (getPlatforms(0, null, &platformCount) != 0 || platformCount == 0) return 0;
        var platforms = new IntPtr[platformCount];
        fixed (IntPtr* first = platforms)
            if (getPlatforms(platformCount, first, &platformCount) != 0) return 0;
        int devices = 0;
        foreach (var platform in platforms)
        {
            uint count = 0;
            // CL_DEVICE_NOT_FOUND (-1) where the platform has none of these types.
            if (getDevices(platform, typeMask, 0, null, &count) == 0) devices += (int)count;
        }
        return devices;
    }
}
