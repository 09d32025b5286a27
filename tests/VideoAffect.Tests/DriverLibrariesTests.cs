using System.Text.RegularExpressions;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// GPU drivers found where only their runtime libraries are installed (libOpenCL.so.1 here: setup.sh
/// installs no -dev package), against independent lists: clinfo's devices and ldconfig's libraries.
/// Without DriverLibraries, ILGPU lists no OpenCL device on this machine at all (tried).
/// </summary>
public class DriverLibrariesTests
{
    [Fact]
    public void Devices_lists_every_OpenCL_device_clinfo_lists()
    {
        var clinfo = ProcessRunner.Run("clinfo", ["-l"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, clinfo.ExitCode);
        int expected = Regex.Matches(clinfo.StandardOutput, @"Device #\d+:").Count;

        var devices = ProcessRunner.Cli(["devices"]);
        Assert.Equal(0, devices.ExitCode);
        int listed = devices.StandardOutput.Split('\n').Count(line => line.StartsWith("opencl ", StringComparison.Ordinal));
        Assert.True(expected == listed, $"clinfo lists {expected} OpenCL devices, `videoaffect devices` {listed}:\n{clinfo.StandardOutput}\n{devices.StandardOutput}");
    }

    [Fact]
    public void A_driver_is_loaded_by_its_runtime_name_only_when_that_library_exists()
    {
        var ldconfig = ProcessRunner.Run("/sbin/ldconfig", ["-p"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, ldconfig.ExitCode);
        var ilgpu = typeof(ILGPU.Context).Assembly;
        foreach (var (import, runtimeName) in new[] { ("OpenCL", "libOpenCL.so.1"), ("cuda", "libcuda.so.1") })
        {
            bool installed = ldconfig.StandardOutput.Contains($"\t{runtimeName} ", StringComparison.Ordinal);
            Assert.True(installed == (DriverLibraries.Resolve(ilgpu, import) != IntPtr.Zero), $"{import}: {runtimeName} installed: {installed}");
        }
        Assert.Equal(IntPtr.Zero, DriverLibraries.Resolve(ilgpu, "not-a-driver"));
    }
}
