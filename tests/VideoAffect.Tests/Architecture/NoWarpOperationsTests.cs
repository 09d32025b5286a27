using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using VideoAffect.Inference;

namespace VideoAffect.Tests.Architecture;

/// <summary>
/// ILGPU's CPU simulator runs our kernels in warps of <see cref="IlgpuRuntime.SimulatedWarpSize"/>
/// threads (wider warps are several times slower there), while a GPU's are 32 wide. That is only
/// sound while no kernel uses a warp-level operation (shuffles, warp reductions, warp barriers),
/// whose results depend on the warp's width: read from the compiled kernels, every call they make
/// into ILGPU's Warp class.
/// </summary>
public sealed class NoWarpOperationsTests
{
    static List<string> WarpCalls(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var found = new List<string>();
        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference) continue;
            var type = metadata.GetTypeReference((TypeReferenceHandle)member.Parent);
            if (metadata.GetString(type.Namespace) == "ILGPU" && metadata.GetString(type.Name) is "Warp" or "Group" && IsWarpLevel(metadata.GetString(type.Name), metadata.GetString(member.Name)))
                found.Add($"{metadata.GetString(type.Name)}.{metadata.GetString(member.Name)}");
        }
        return found.Distinct().ToList();
    }

    /// <summary>Every member of Warp; of Group, only what works across a warp (Group.Barrier and Group.Broadcast do not depend on it).</summary>
    static bool IsWarpLevel(string type, string member) => type == "Warp" || member.Contains("Warp", StringComparison.Ordinal);

    [Fact]
    public void No_kernel_uses_a_warp_level_operation()
    {
        var calls = WarpCalls(typeof(VideoAffect.Kernels.KernelCatalog).Assembly);
        Assert.True(calls.Count == 0, $"kernels use warp-level operations, which the CPU simulator's warps of {IlgpuRuntime.SimulatedWarpSize} do not test: {string.Join(", ", calls)}");
    }

    [Fact]
    public void The_scan_finds_a_warp_shuffle()
    {
        Assert.Contains("Warp.Shuffle", WarpCalls(typeof(NoWarpOperationsTests).Assembly));
    }
}
