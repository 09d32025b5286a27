using System.CommandLine;
using VideoAffect.Inference;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect devices`: the accelerators ILGPU finds and which backends can run.</summary>
static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "list accelerators and the backends that can run on them");
        command.SetAction((r, token) => CommandRunner.RunAsync(_ =>
        {
            int bits = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128;
            Console.WriteLine($"cpu        usable  managed SIMD on {Environment.ProcessorCount} threads, {bits}-bit vectors");
            foreach (var d in IlgpuRuntime.Survey())
                Console.WriteLine($"{d.Backend,-10} {(d.Usable ? "usable" : "NOT usable"),-7} {d.Device}: {d.Detail}");
            if (!IlgpuRuntime.Devices(ILGPU.Runtime.AcceleratorType.Cuda).Any())
                Console.WriteLine(DriverLibraries.WhyNoCudaDevice() is { } why
                    ? $"cuda       NOT usable {why}"
                    : "cuda       absent  no CUDA device or driver found");
            return Task.FromResult(0);
        }, token));
        return command;
    }
}
