using System.CommandLine;
using System.Text.Json;
using VideoAffect.Inference;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect devices`: the accelerators ILGPU finds and which backends can run.</summary>
static class DevicesCommand
{
    /// <summary>One line of the list: a backend, whether it can run here ("usable", "not usable" or "absent"), on what, and why not or with what limits.</summary>
    sealed record Row(string Backend, string State, string Device, string Detail);

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print the list as a JSON array, one object per backend and device (backend, usable, state, device, detail)" };
        var command = new Command("devices", "list accelerators and the backends that can run on them") { json };
        command.SetAction((r, token) => CommandRunner.RunAsync(_ =>
        {
            var rows = Rows();
            if (r.GetValue(json)) WriteJson(rows);
            else foreach (var row in rows)
                Console.WriteLine($"{row.Backend,-10} {(row.State == "not usable" ? "NOT usable" : row.State),-7} {(row.Device.Length > 0 ? row.Device + (row.Detail.Length > 0 ? ": " : "") : "")}{row.Detail}");
            return Task.FromResult(0);
        }, token));
        return command;
    }

    static List<Row> Rows()
    {
        int bits = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128;
        var rows = new List<Row> { new("cpu", "usable", "", $"managed SIMD on {Environment.ProcessorCount} threads, {bits}-bit vectors") };
        rows.AddRange(IlgpuRuntime.Survey().Select(d => new Row(d.Backend, d.Usable ? "usable" : "not usable", d.Device, d.Detail)));
        if (!IlgpuRuntime.Devices(ILGPU.Runtime.AcceleratorType.Cuda).Any())
            rows.Add(DriverLibraries.WhyNoCudaDevice() is { } why
                ? new Row("cuda", "not usable", "", why)
                : new Row("cuda", "absent", "", "no CUDA device or driver found"));
        return rows;
    }

    static void WriteJson(List<Row> rows)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("backend", row.Backend);
                w.WriteBoolean("usable", row.State == "usable");
                w.WriteString("state", row.State);
                if (row.Device.Length > 0) w.WriteString("device", row.Device); else w.WriteNull("device");
                w.WriteString("detail", row.Detail);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        stdout.Write("\n"u8);
    }
}
