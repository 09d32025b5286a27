using System.Text.RegularExpressions;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// 'auto' asks the drivers whether there may be a GPU before it makes ILGPU's context
/// (<see cref="GpuDriverCheck"/>): its answers against clinfo's and ldconfig's, and against ILGPU's
/// own lists, which it must never contradict where ILGPU finds a GPU. Here PoCL lists one CPU
/// device, so the OpenCL count is checked on a device that is there, not only on none.
/// </summary>
public class GpuDriverCheckTests
{
    [Fact]
    public void OpenCL_devices_are_counted_as_clinfo_and_ILGPU_list_them_by_type()
    {
        var clinfo = ProcessRunner.Run("clinfo", [], TimeSpan.FromSeconds(60));
        Assert.Equal(0, clinfo.ExitCode);
        var types = Regex.Matches(clinfo.StandardOutput, @"^\s*Device Type\s+(.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.Equal(types.Count, GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClAll));
        Assert.Equal(types.Count(t => t.Contains("CPU")), GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClCpu));
        Assert.Equal(types.Count(t => t.Contains("GPU") || t.Contains("Accelerator")), GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClGpu | GpuDriverCheck.OpenClAccelerator));

        var listed = IlgpuRuntime.Devices(AcceleratorType.OpenCL).Cast<CLDevice>().ToList();
        Assert.Equal(listed.Count, GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClAll));
        Assert.Equal(listed.Count(d => d.DeviceType is CLDeviceType.CL_DEVICE_TYPE_GPU or CLDeviceType.CL_DEVICE_TYPE_ACCELERATOR),
            GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClGpu | GpuDriverCheck.OpenClAccelerator));
    }

    [Fact]
    public void The_CUDA_driver_loads_only_where_its_library_is_installed()
    {
        var ldconfig = ProcessRunner.Run("/sbin/ldconfig", ["-p"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, ldconfig.ExitCode);
        bool installed = ldconfig.StandardOutput.Contains("\tlibcuda.so.1 ", StringComparison.Ordinal) || ldconfig.StandardOutput.Contains("\tlibcuda.so ", StringComparison.Ordinal);
        Assert.Equal(installed, GpuDriverCheck.CudaDriverLoads());
    }

    [Fact]
    public void Where_ILGPU_finds_a_GPU_auto_looks_and_where_no_driver_may_have_one_it_does_not()
    {
        bool ilgpuFindsGpu = IlgpuRuntime.Devices(AcceleratorType.Cuda).Any()
            || IlgpuRuntime.Devices(AcceleratorType.OpenCL).Any(d => d is CLDevice { DeviceType: CLDeviceType.CL_DEVICE_TYPE_GPU or CLDeviceType.CL_DEVICE_TYPE_ACCELERATOR });
        bool driverMayHave = GpuDriverCheck.CudaDriverLoads() || GpuDriverCheck.OpenClDevices(GpuDriverCheck.OpenClGpu | GpuDriverCheck.OpenClAccelerator) > 0;
        Assert.Equal(driverMayHave, GpuDriverCheck.MayHaveGpu());
        if (ilgpuFindsGpu) Assert.True(GpuDriverCheck.MayHaveGpu(), "ILGPU lists a GPU the drivers' check missed: 'auto' would run on the CPU");
    }
}
