using System.Reflection;
using VideoAffect.Inference;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Tests.Architecture;

/// <summary>
/// ILGPU's CPU simulator runs our kernels in warps of <see cref="IlgpuRuntime.SimulatedWarpSize"/>
/// threads (wider warps are several times slower there), while a GPU's are 32 wide. That is only
/// sound for a kernel that uses no warp-level operation (shuffles, warp scans and reductions, warp
/// barriers), whose results depend on the warp's width. Read from the compiled kernels: every
/// method of the kernels assembly that calls into ILGPU's Warp class or ILGPU.Algorithms' warp
/// extensions belongs to a launcher listed here with the test that runs it in warps of 32.
/// </summary>
public sealed class WarpOperationsTests
{
    /// <summary>Launchers whose kernels use warp-level operations, and their test run in a GPU's warps of 32 as well.</summary>
    static readonly Dictionary<Type, (Type Test, string Method)> TestedInWarpsOf32 = new()
    {
        // The integral's row pass: a warp scans 32 pixels of a row at a time (proven on the H200, 2026-12-04).
        [typeof(IntegralImageKernel)] = (typeof(Haar.HaarBuildingBlockTests), nameof(Haar.HaarBuildingBlockTests.Integral_images_equal_OpenCVs)),
    };

    /// <summary>"Type.Method: Warp.Member" for each method of <paramref name="assembly"/> that calls a warp-level member.</summary>
    static List<(Type Declaring, string Call)> WarpCalls(Assembly assembly)
    {
        var found = new List<(Type, string)>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
                // call (0x28) and callvirt (0x6F), each followed by a 4-byte method token; a byte
                // inside another operand can look the same, and then resolves to nothing or to
                // something that is not a warp member, and is dropped.
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    if (il[i] != 0x28 && il[i] != 0x6F) continue;
                    MethodBase? target;
                    try { target = method.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1), type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null); }
                    catch (ArgumentException) { continue; }
                    if (target?.DeclaringType is { } declaring && IsWarpLevel(declaring, target.Name))
                        found.Add((type.DeclaringType ?? type, $"{type.Name}.{method.Name}: {declaring.Name}.{target.Name}"));
                }
            }
        return found.Distinct().ToList();
    }

    /// <summary>Every member of ILGPU's Warp and of ILGPU.Algorithms' WarpExtensions; of Group and its extensions, only what works across a warp.</summary>
    static bool IsWarpLevel(Type type, string member) =>
        (type.Namespace == "ILGPU" && type.Name == "Warp")
        || (type.Namespace == "ILGPU.Algorithms" && type.Name == "WarpExtensions")
        || (type.Namespace is "ILGPU" or "ILGPU.Algorithms" && type.Name.StartsWith("Group", StringComparison.Ordinal) && member.Contains("Warp", StringComparison.Ordinal));

    [Fact]
    public void Only_listed_kernels_use_warp_level_operations()
    {
        var unlisted = WarpCalls(typeof(VideoAffect.Kernels.KernelCatalog).Assembly).Where(c => !TestedInWarpsOf32.ContainsKey(c.Declaring)).ToList();
        Assert.True(unlisted.Count == 0,
            $"kernels use warp-level operations, which the CPU simulator's warps of {IlgpuRuntime.SimulatedWarpSize} do not test; list each launcher here with a test that runs it in warps of 32: {string.Join(", ", unlisted.Select(c => c.Call))}");
    }

    [Fact]
    public void Each_listed_kernel_uses_them_and_has_its_test()
    {
        var users = WarpCalls(typeof(VideoAffect.Kernels.KernelCatalog).Assembly).Select(c => c.Declaring).ToHashSet();
        foreach (var (launcher, (test, method)) in TestedInWarpsOf32)
        {
            Assert.True(users.Contains(launcher), $"{launcher.Name} is listed but uses no warp-level operation: take it off the list");
            Assert.NotNull(test.GetMethod(method));
        }
    }

    [Fact]
    public void The_scan_finds_a_warp_shuffle()
    {
        Assert.Contains(WarpCalls(typeof(WarpOperationsTests).Assembly), c => c.Call.EndsWith("Warp.Shuffle", StringComparison.Ordinal));
    }
}
