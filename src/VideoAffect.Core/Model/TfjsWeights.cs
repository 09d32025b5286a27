using System.Text.Json;

namespace VideoAffect.Model;

/// <summary>
/// The weights of a TF.js graph model: the manifest's groups read from their binary shards, each
/// named tensor sliced out in manifest order. Only float32 and int32 tensors without quantization.
/// </summary>
sealed class TfjsWeights
{
    readonly Dictionary<string, (int[] Shape, float[]? Floats, int[]? Ints)> _tensors = new();

    public static TfjsWeights Read(JsonElement manifest, string modelDirectory, string source)
    {
        var weights = new TfjsWeights();
        foreach (var group in manifest.EnumerateArray())
        {
            byte[] data = ReadShards(group.GetProperty("paths"), modelDirectory, source);
            int offset = 0;
            var entries = group.GetProperty("weights");
            long expected = 0;
            foreach (var entry in entries.EnumerateArray())
                expected += ElementCount(entry) * 4L;
            if (expected != data.Length)
                throw new ModelFormatException($"{source}: the weights file holds {data.Length} bytes but the model expects {expected}; the weights do not belong to this model or are damaged (re-run setup)");
            foreach (var entry in entries.EnumerateArray())
            {
                string name = entry.GetProperty("name").GetString() ?? throw new ModelFormatException($"{source}: a weight has no name");
                if (entry.TryGetProperty("quantization", out _))
                    throw new ModelFormatException($"{source}: weight '{name}' is quantized, which VideoAffect does not support; export the model with float32 weights");
                string dtype = entry.GetProperty("dtype").GetString() ?? "";
                int[] shape = Shape(entry);
                int count = checked((int)ElementCount(entry));
                var bytes = data.AsSpan(offset, count * 4);
                offset += count * 4;
                weights._tensors[name] = dtype switch
                {
                    "float32" => (shape, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), null),
                    "int32" => (shape, null, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes).ToArray()),
                    _ => throw new ModelFormatException($"{source}: weight '{name}' has dtype '{dtype}'; only float32 and int32 are supported"),
                };
            }
        }
        return weights;
    }

    static byte[] ReadShards(JsonElement paths, string directory, string source)
    {
        using var all = new MemoryStream();
        foreach (var p in paths.EnumerateArray())
        {
            string relative = p.GetString() ?? "";
            string path = Path.Combine(directory, relative);
            if (relative.Length == 0 || relative.Contains("..") || Path.IsPathRooted(relative))
                throw new ModelFormatException($"{source}: weights path '{relative}' must be a file beside the model JSON");
            if (!File.Exists(path))
                throw new ModelFormatException($"{source}: weights file '{path}' is missing (re-run setup, or keep the .bin beside the .json)");
            using var f = File.OpenRead(path);
            f.CopyTo(all);
        }
        return all.ToArray();
    }

    static int[] Shape(JsonElement entry)
    {
        var dims = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        if (dims.Any(d => d < 0)) throw new ModelFormatException($"weight '{entry.GetProperty("name")}' has a negative dimension");
        return dims;
    }

    static long ElementCount(JsonElement entry) => Shape(entry).Aggregate(1L, (a, d) => a * d);

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public (int[] Shape, float[] Values) Floats(string name, string source)
    {
        if (!_tensors.TryGetValue(name, out var t) || t.Floats is null)
            throw new ModelFormatException($"{source}: float32 weight '{name}' is missing from the weights manifest");
        return (t.Shape, t.Floats);
    }

    public int[] Ints(string name, string source)
    {
        if (!_tensors.TryGetValue(name, out var t) || t.Ints is null)
            throw new ModelFormatException($"{source}: int32 constant '{name}' is missing from the weights manifest");
        return t.Ints;
    }
}
