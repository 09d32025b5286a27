using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using VideoAffect.Inference;
using VideoAffect.Kernels;

namespace VideoAffect.GpuKit;

/// <summary>
/// Every kernel's PTX for this machine's GPU, as ILGPU generates it for the driver, written for
/// NVIDIA's own assembler: run.sh gives each file to <c>ptxas -v</c> where the CUDA toolkit is
/// installed, for the registers, spills and shared memory of every kernel (what decides occupancy,
/// and what no session without a GPU can read).
/// </summary>
static class PtxDump
{
    /// <summary>Writes DIR/NAME.ptx per kernel and DIR/arch (sm_XY); without a CUDA device (a dry run), for the lent H200's sm_90 on driver 13.0.</summary>
    /// <returns>The kernels ILGPU refused, one line each.</returns>
    public static IReadOnlyList<string> Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var device = IlgpuRuntime.Devices(AcceleratorType.Cuda).OfType<CudaDevice>().FirstOrDefault();
        var architecture = device?.Architecture ?? CudaArchitecture.SM_90;
        var instructionSet = device?.InstructionSet ?? CudaAccelerator.GetInstructionSet(architecture, CudaDriverVersion.FromMajorMinor(13, 0));
        File.WriteAllText(Path.Combine(directory, "arch"), $"sm_{architecture.Major}{architecture.Minor}\n");
        using var context = IlgpuRuntime.CreateContext();
        var refused = new List<string>();
        foreach (var (kernel, ptx, error) in KernelCatalog.CompileAll(context, architecture, instructionSet))
        {
            if (ptx is not null) File.WriteAllText(Path.Combine(directory, $"{kernel.Name}.ptx"), ptx);
            else refused.Add($"{kernel}: {error!.GetType().Name}: {IlgpuRuntime.OneLine(error)}");
        }
        return refused;
    }
}
