using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.OpenCL;
using VideoAffect.Kernels;

namespace VideoAffect.Inference;

/// <summary>
/// The process-wide ILGPU context and what it can run on. Creating a context probes the CUDA and
/// OpenCL drivers, so it is made once and shared by every backend.
/// </summary>
public static class IlgpuRuntime
{
    // OpenCL(_ => true) lists devices ILGPU considers unsupported too, so that `devices` and the
    // opencl backend can say why one is unusable instead of pretending there is none.
    static readonly Lazy<Context> SharedContext = new(CreateContext);

    /// <summary>A context configured as the shared one (tests compile kernels for GPUs in one of their own).</summary>
    internal static Context CreateContext()
    {
        DriverLibraries.Register(); // before ILGPU probes the drivers: machines with only libcuda.so.1 / libOpenCL.so.1
        return Context.Create(b => b.Default().OpenCL(_ => true).EnableAlgorithms());
    }

    internal static Context Context => SharedContext.Value;

    internal static IEnumerable<Device> Devices(AcceleratorType type) => Context.Devices.Where(d => d.AcceleratorType == type);

    /// <summary>
    /// The fastest device that can run our kernels: a CUDA GPU, else an OpenCL GPU or accelerator
    /// card, else ILGPU's CPU accelerator.
    /// </summary>
    internal static Accelerator CreateBestAccelerator()
    {
        var candidates = Devices(AcceleratorType.Cuda)
            .Concat(Devices(AcceleratorType.OpenCL).Where(d => d is CLDevice { DeviceType: CLDeviceType.CL_DEVICE_TYPE_GPU or CLDeviceType.CL_DEVICE_TYPE_ACCELERATOR }));
        foreach (var device in candidates)
        {
            try { return CreateVerified(device); }
            catch (Exception) { } // unusable: try the next one
        }
        return CreateCpuAccelerator();
    }

    /// <summary>
    /// ILGPU's CPU accelerator: simulates GPU threads, so it checks kernels rather than serves video.
    /// Groups of up to 16 threads, as ILGPU's default CPU device, but in warps of 2 rather than 4:
    /// ILGPU 1.5's simulator runs warps of 4 or more 4 to 8 times slower (measured on 2 cores: the
    /// seed network at batch 8 in 8.4 s instead of 1.5 s, a Haar frame of 480 pixels in 1.8 s
    /// instead of 0.5 s). The warp's width changes nothing a kernel computes unless it uses a
    /// warp-level operation; those kernels are few, listed, and tested with <paramref name="warpSize"/>
    /// 32 as well (a test keeps it so: <c>Architecture/WarpOperationsTests</c>). One simulated
    /// multiprocessor, as ILGPU's default: ILGPU runs each of its threads on a thread of its own.
    /// </summary>
    internal static Accelerator CreateCpuAccelerator(int maxGroupSize = 16, int warpSize = SimulatedWarpSize) =>
        new CPUDevice(numThreadsPerWarp: warpSize, numWarpsPerMultiprocessor: Math.Max(1, maxGroupSize / warpSize), numMultiprocessors: 1)
            .CreateCPUAccelerator(Context);

    /// <summary>
    /// ILGPU's CPU accelerator shaped like an NVIDIA GPU's groups: up to 1,024 threads each (the
    /// default CPU device has 16). Kernels that size their groups from the accelerator (the tiled
    /// GEMM: 16x16 here and on a GPU, 4x4 on the default) meet a GPU's shapes before any GPU is at
    /// hand; the GPU kit's dry run and the tests use it. Warps of 2 for speed, as above.
    /// </summary>
    internal static Accelerator CreateGpuShapedCpuAccelerator() => CreateCpuAccelerator(maxGroupSize: 1024);

    /// <summary>The width of the CPU simulator's warps (see <see cref="CreateCpuAccelerator"/>).</summary>
    internal const int SimulatedWarpSize = 2;

    /// <summary>
    /// Creates an accelerator for <paramref name="device"/> and proves it can compile and run a kernel:
    /// some OpenCL drivers (PoCL 3.1) are listed but reject ILGPU's generated code.
    /// </summary>
    internal static Accelerator CreateVerified(Device device)
    {
        var accelerator = device.CreateAccelerator(Context);
        try
        {
            using var buffer = accelerator.Allocate1D(new float[] { -1f, 2f });
            new ReluKernel(accelerator).Launch(accelerator.DefaultStream, 2, buffer.View, buffer.View);
            accelerator.Synchronize();
            var result = buffer.GetAsArray1D();
            if (result[0] != 0f || result[1] != 2f)
                throw new InvalidOperationException("a test kernel returned wrong values");
            return accelerator;
        }
        catch
        {
            accelerator.Dispose();
            throw;
        }
    }

    /// <summary>One line per device: what it is and whether VideoAffect can use it, with the reason if not.</summary>
    public static IReadOnlyList<DeviceReport> Survey()
    {
        var reports = new List<DeviceReport>();
        foreach (var device in Context.Devices)
        {
            string backend = BackendName(device.AcceleratorType);
            try
            {
                using var accelerator = CreateVerified(device);
                string memory = device.AcceleratorType == AcceleratorType.CPU ? "host memory" : $"{accelerator.MemorySize / (1024 * 1024)} MiB";
                string peak = GpuPeak.Fp32Gflops(accelerator) is { } gflops ? $", fp32 peak {gflops / 1000:0.0} TFLOP/s" : "";
                reports.Add(new DeviceReport(backend, device.Name, true, $"{memory}, max {accelerator.MaxNumThreadsPerGroup} threads/group{peak}"));
            }
            catch (Exception e)
            {
                reports.Add(new DeviceReport(backend, device.Name, false, OneLine(e)));
            }
        }
        return reports;
    }

    internal static string BackendName(AcceleratorType type) => type switch
    {
        AcceleratorType.Cuda => "cuda",
        AcceleratorType.OpenCL => "opencl",
        AcceleratorType.CPU => "ilgpu-cpu",
        _ => type.ToString().ToLowerInvariant(),
    };

    internal static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is TypeInitializationException or System.Reflection.TargetInvocationException or AggregateException)
            inner = inner.InnerException;
        return inner.Message.Split('\n')[0].Trim();
    }
}

/// <summary>One accelerator found on this machine and whether VideoAffect can use it (<c>videoaffect devices</c>).</summary>
/// <param name="Backend">The backend name that selects it (cuda, opencl, ilgpu-cpu).</param>
/// <param name="Device">The device's name.</param>
/// <param name="Usable">Whether a test kernel compiled and ran on it.</param>
/// <param name="Detail">Why not, or its memory and limits.</param>
public sealed record DeviceReport(string Backend, string Device, bool Usable, string Detail);
