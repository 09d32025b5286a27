using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace VideoAffect.Inference;

/// <summary>
/// Finds the GPU drivers' libraries where only their runtime names exist. ILGPU imports the CUDA
/// driver as "cuda" and OpenCL as "OpenCL", which .NET looks up on Linux as <c>libcuda.so</c> and
/// <c>libOpenCL.so</c>: names that only development packages add. A machine with just the driver
/// (a container given the GPU by NVIDIA's container runtime, Debian's <c>libcuda1</c> or
/// <c>ocl-icd-libopencl1</c> without their -dev packages) has only <c>libcuda.so.1</c> and
/// <c>libOpenCL.so.1</c>, and ILGPU would then list no CUDA or OpenCL device at all, silently.
/// When .NET's own lookup fails, this loads the versioned name, whose ABI those drivers fix.
/// </summary>
internal static class DriverLibraries
{
    static readonly Dictionary<string, string> RuntimeNames = new(StringComparer.Ordinal)
    {
        ["cuda"] = "libcuda.so.1",
        ["OpenCL"] = "libOpenCL.so.1",
    };

    static int _registered;

    /// <summary>Registers the fallback once per process; called before ILGPU first probes the drivers.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    /// <summary>.NET's last resort for a library it could not find: the runtime name of a GPU driver, or nothing.</summary>
    internal static IntPtr Resolve(Assembly requester, string name) =>
        OperatingSystem.IsLinux() && RuntimeNames.TryGetValue(name, out var file) && NativeLibrary.TryLoad(file, out var handle)
            ? handle
            : IntPtr.Zero;

    /// <summary>The NVIDIA kernel driver's version line when it is loaded (the GPU is there), else null.</summary>
    public static string? NvidiaKernelDriver()
    {
        const string version = "/proc/driver/nvidia/version";
        try { return File.Exists(version) ? File.ReadLines(version).FirstOrDefault()?.Trim() ?? "loaded" : null; }
        catch (IOException) { return "loaded"; }
        catch (UnauthorizedAccessException) { return "loaded"; }
    }

    /// <summary>
    /// Why ILGPU lists no CUDA device on a machine whose NVIDIA kernel driver is loaded: the user-space
    /// driver library that would not load, or ILGPU's own refusal. Null where no NVIDIA driver is loaded.
    /// </summary>
    public static string? WhyNoCudaDevice()
    {
        if (NvidiaKernelDriver() is not { } driver) return null;
        try
        {
            var handle = NativeLibrary.Load(RuntimeNames["cuda"]);
            NativeLibrary.Free(handle);
            return $"the NVIDIA driver is loaded ({driver}) and libcuda.so.1 loads, but ILGPU lists no CUDA device";
        }
        catch (DllNotFoundException e)
        {
            return $"the NVIDIA driver is loaded ({driver}) but its libcuda.so.1 could not be loaded: {IlgpuRuntime.OneLine(e)}";
        }
    }
}
