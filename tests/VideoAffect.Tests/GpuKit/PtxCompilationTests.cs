using System.Text.RegularExpressions;
using ILGPU.Runtime.Cuda;
using VideoAffect.Inference;
using VideoAffect.Kernels;

namespace VideoAffect.Tests.GpuKit;

/// <summary>
/// Every kernel through ILGPU's CUDA code generator, here, with no GPU: on the CPU accelerator ILGPU
/// runs a kernel's IL directly and never generates PTX, so without this test a construct ILGPU's PTX
/// backend rejects would first show on a lent GPU, in its few minutes. Each kernel is compiled in
/// a context configured as the product's, for the architecture and instruction set ILGPU picks for
/// the device and driver named (the lent H200 runs driver 580, CUDA 13.0), and the PTX must declare
/// that instruction set and one entry point. What NVIDIA's assembler makes of the PTX is read on
/// the GPU itself (bench/gpu/run.sh: ptxas.txt).
/// </summary>
public class PtxCompilationTests
{
    [Theory]
    [InlineData(9, 0, 13, 0)] // H100/H200 on driver 580: the lent GPU machine
    [InlineData(8, 9, 12, 4)] // L4, RTX 40xx
    [InlineData(7, 5, 12, 0)] // T4, RTX 20xx: the oldest common cloud GPU
    public void Every_kernel_compiles_to_ptx_for_the_device(int major, int minor, int driverMajor, int driverMinor)
    {
        var architecture = CudaDevice.GetArchitecture(major, minor);
        var instructionSet = CudaAccelerator.GetInstructionSet(architecture, CudaDriverVersion.FromMajorMinor(driverMajor, driverMinor));
        using var context = IlgpuRuntime.CreateContext();

        var launchers = KernelCatalog.Launchers();
        var kernels = KernelCatalog.All();
        Assert.NotEmpty(launchers);
        var withoutKernel = launchers.Where(l => kernels.All(k => k.Launcher != l)).Select(l => l.Name).ToList();
        Assert.True(withoutKernel.Count == 0, $"launchers whose kernels the scan did not find: {string.Join(", ", withoutKernel)}");

        var failures = new List<string>();
        foreach (var (kernel, ptx, error) in KernelCatalog.CompileAll(context, architecture, instructionSet))
        {
            if (ptx is null)
            {
                failures.Add($"{kernel}: {error!.GetType().Name}: {IlgpuRuntime.OneLine(error)}");
                continue;
            }
            if (!ptx.Contains($".version {instructionSet.Major}.{instructionSet.Minor}\n", StringComparison.Ordinal))
                failures.Add($"{kernel}: the PTX does not declare ISA {instructionSet}");
            int entries = Regex.Matches(ptx, @"^\.visible \.entry ", RegexOptions.Multiline).Count;
            if (entries != 1) failures.Add($"{kernel}: {entries} entry points in its PTX");
        }
        Assert.True(failures.Count == 0, $"sm_{major}{minor}, ISA {instructionSet}: {failures.Count} of {kernels.Count} kernels failed:\n{string.Join("\n", failures)}");
    }

    /// <summary>
    /// What the tiled GEMM's layouts are for, read in ILGPU's PTX for the H200: each k of the
    /// contiguous 4 x 4 layout reads shared memory as two 16-byte loads, the wide 8 x 8 one as four,
    /// the strided one as eight scalar loads; no layout keeps its sums in local memory (a thread's
    /// stack, in DRAM behind the L1) or calls a function (the sums' structs and their helpers must be
    /// inlined into registers). ILGPU vectorizes a load only where it sees the offset's alignment,
    /// so a change to how a layout writes its offsets can silently turn one load into four.
    /// </summary>
    [Theory]
    [InlineData("ConvGemmKernel.Execute.StridedTiles.Sums4x4", 0, 8, 16)]
    [InlineData("ConvGemmKernel.Execute.ContiguousTiles.Sums4x4", 2, 0, 16)]
    [InlineData("ConvGemmKernel.Execute.WideTiles.Sums8x8", 4, 0, 64)]
    public void Each_GEMM_layout_reads_shared_memory_as_it_says_and_keeps_its_sums_in_registers(string name, int vectorLoads, int scalarLoads, int products)
    {
        string ptx = H200Ptx(name);
        Assert.Equal(vectorLoads, Regex.Matches(ptx, @"\bld\.shared\.v4\.f32\b").Count);
        Assert.Equal(scalarLoads, Regex.Matches(ptx, @"\bld\.shared\.f32\b").Count);
        // One multiply per output for each k (the loop body appears once).
        Assert.Equal(products, Regex.Matches(ptx, @"\bmul\.f32\b").Count);
        Assert.DoesNotMatch(@"\.local\b", ptx);
        Assert.DoesNotMatch(@"\bcall(\.uni)?\b", ptx);
    }

    /// <summary>
    /// The depthwise kernel's four-channel tactic, read in ILGPU's PTX for the H200: every input,
    /// weight and bias is one 16-byte load and every output one 16-byte store (ILGPU issues them in
    /// the generic address space), where the one-channel kernel's are scalar; neither keeps values in
    /// local memory or calls a function.
    /// </summary>
    [Theory]
    [InlineData("DepthwiseConv2DKernel.Execute.OneChannel.Single", 0, 0, 6, 4)]
    [InlineData("DepthwiseConv2DKernel.Execute.FourChannels.Quad", 6, 4, 0, 0)]
    public void The_depthwise_tactics_load_and_store_as_they_say(string name, int vectorLoads, int vectorStores, int scalarLoads, int scalarStores)
    {
        string ptx = H200Ptx(name);
        Assert.Equal(vectorLoads, Regex.Matches(ptx, @"\bld(\.global)?\.v4\.f32\b").Count);
        Assert.Equal(vectorStores, Regex.Matches(ptx, @"\bst(\.global)?\.v4\.f32\b").Count);
        Assert.Equal(scalarLoads, Regex.Matches(ptx, @"\bld(\.global)?\.f32\b").Count);
        Assert.Equal(scalarStores, Regex.Matches(ptx, @"\bst(\.global)?\.f32\b").Count);
        Assert.DoesNotMatch(@"\.local\b", ptx);
        Assert.DoesNotMatch(@"\bcall(\.uni)?\b", ptx);
    }

    /// <summary>One kernel's PTX as ILGPU generates it for the lent H200 (sm_90, driver 13.0).</summary>
    static string H200Ptx(string name)
    {
        var architecture = CudaDevice.GetArchitecture(9, 0);
        using var context = IlgpuRuntime.CreateContext();
        var kernel = Assert.Single(KernelCatalog.All(), k => k.Name == name);
        var (_, ptx, error) = Assert.Single(KernelCatalog.Compile(context, architecture, CudaAccelerator.GetInstructionSet(architecture, CudaDriverVersion.FromMajorMinor(13, 0)), [kernel]));
        Assert.True(ptx is not null, error?.Message);
        return ptx;
    }
}
