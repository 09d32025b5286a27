using System.Runtime.CompilerServices;

namespace VideoAffect.Tests.Support;

/// <summary>
/// .NET runtime settings for every .NET program the tests start, set in this process's environment
/// as it loads so that the children inherit them: the CLI (some 700 runs a suite, most of them one
/// or two seconds of CPU), the cluster's nodes, the GPU kit's dry run, `dotnet pack`. Short runs
/// spend much of their CPU on the runtime itself, and two of its defaults buy them nothing:
/// <list type="bullet">
/// <item>W^X (write-xor-execute, on since .NET 7) maps every page of code it writes (each JIT'd
/// method, each stub) twice and flips its protection, and each flip flushes the TLB of every core:
/// costly on this virtual machine (the kernel's time in a short run was mostly TLB flushes).</item>
/// <item>Tiered compilation starts recompiling the methods called 30 times 100 ms after the last
/// method was first compiled: a run of a few seconds pays that background JIT (101 CPU-s of a
/// suite, measured with perf) and ends before the faster code matters; 1 s defers it past most of them.</item>
/// </list>
/// Measured on a one-second clip's `analyze` (20 runs each, in turn): 1.62 CPU-s by default, 1.52 with
/// both. Neither changes what a program does, only when and how its code is compiled; test.sh sets
/// the first for the test process too. What users run keeps .NET's defaults.
/// </summary>
static class ChildRuntimeSettings
{
    [ModuleInitializer]
    internal static void Apply()
    {
        SetUnlessGiven("DOTNET_EnableWriteXorExecute", "0");
        SetUnlessGiven("DOTNET_TC_CallCountingDelayMs", "1000");
    }

    /// <summary>A value the environment already has (someone measuring with the defaults) is kept.</summary>
    static void SetUnlessGiven(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null) Environment.SetEnvironmentVariable(name, value);
    }
}
