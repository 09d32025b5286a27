using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace VideoAffect.Kernels;

/// <summary>
/// Every kernel our launchers hand to ILGPU, for the tools that compile them outside a launcher
/// (the suite's PTX test, the GPU kit's ptxas report), found in the launchers' own code rather
/// than listed by hand, so a new kernel is covered the day it is written: a launcher is a type in
/// the kernels assembly whose constructor takes an <see cref="Accelerator"/>, and its kernels are
/// the static methods that constructor passes to <c>accelerator.Load...Kernel</c> (the IL's
/// <c>ldftn</c> of a method group).
/// </summary>
internal static class KernelCatalog
{
    public sealed record Kernel(Type Launcher, MethodInfo Method)
    {
        /// <summary>Launcher.Method, and a generic kernel's type arguments after it (ConvGemmKernel.Execute.StridedTiles): each instance is a kernel of its own.</summary>
        public string Name => $"{Launcher.Name}.{Method.Name}{string.Concat(Method.GetGenericArguments().Select(a => "." + a.Name))}";

        /// <summary>Auto-grouped kernels take their index first; explicitly grouped ones read Grid and Group themselves.</summary>
        public bool ImplicitlyGrouped => Method.GetParameters().FirstOrDefault()?.ParameterType is { } t
            && (t == typeof(Index1D) || t == typeof(Index2D) || t == typeof(Index3D));

        public override string ToString() => Name;
    }

    public static Assembly KernelsAssembly => typeof(ReluKernel).Assembly;

    public static IReadOnlyList<Type> Launchers() => KernelsAssembly.GetTypes()
        .Where(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Any(c => c.GetParameters().Any(p => typeof(Accelerator).IsAssignableFrom(p.ParameterType))))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    public static IReadOnlyList<Kernel> All() => Launchers().SelectMany(KernelsOf).ToList();

    /// <summary>One kernel through ILGPU's CUDA code generator: its PTX, or why ILGPU refused it.</summary>
    public sealed record PtxResult(Kernel Kernel, string? Ptx, Exception? Error);

    /// <summary>
    /// Every kernel compiled to PTX for <paramref name="architecture"/> and <paramref name="instructionSet"/>,
    /// with no GPU needed: what ILGPU would hand a CUDA driver of that device.
    /// </summary>
    public static IReadOnlyList<PtxResult> CompileAll(Context context, CudaArchitecture architecture, CudaInstructionSet instructionSet) =>
        Compile(context, architecture, instructionSet, All());

    /// <summary>The given kernels compiled as <see cref="CompileAll"/> compiles every one.</summary>
    public static IReadOnlyList<PtxResult> Compile(Context context, CudaArchitecture architecture, CudaInstructionSet instructionSet, IEnumerable<Kernel> kernels)
    {
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, nvvmAPI: null);
        var results = new List<PtxResult>();
        foreach (var kernel in kernels)
        {
            try
            {
                var entry = kernel.ImplicitlyGrouped
                    ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method)
                    : EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
                results.Add(new PtxResult(kernel, ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly, null));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                results.Add(new PtxResult(kernel, null, e));
            }
        }
        return results;
    }

    static IEnumerable<Kernel> KernelsOf(Type launcher)
    {
        var found = new HashSet<MethodInfo>();
        foreach (var constructor in launcher.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            var il = constructor.GetMethodBody()?.GetILAsByteArray() ?? [];
            // ldftn is 0xFE 0x06 followed by a 4-byte method token. A byte pair inside another
            // instruction's operand can look the same; such a "token" resolves to nothing or to a
            // method that is not a static method of this assembly, and is dropped.
            for (int i = 0; i + 5 < il.Length; i++)
            {
                if (il[i] != 0xFE || il[i + 1] != 0x06) continue;
                MethodBase? target;
                try { target = constructor.Module.ResolveMethod(BitConverter.ToInt32(il, i + 2)); }
                catch (ArgumentException) { continue; }
                if (target is MethodInfo { IsStatic: true } method && method.DeclaringType?.Assembly == KernelsAssembly && method.ReturnType == typeof(void))
                    found.Add(method);
            }
        }
        return found.Select(m => new Kernel(launcher, m)).OrderBy(k => k.Name, StringComparer.Ordinal);
    }
}
