using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAffect.Kernels;

namespace VideoAffect.Model;

/// <summary>
/// VideoAffect's own model format, for networks it trains: an 8-byte magic, a JSON header (input
/// shape, labels, layers, and for a checkpoint the training state), the float32 parameters in layer
/// order (weights then bias), for a checkpoint Adam's moments, and a SHA-256 of everything before it,
/// so a truncated or damaged file is named as such instead of loading wrong weights.
/// </summary>
internal static class ModelFile
{
    public const string Extension = ".vamodel";
    static readonly byte[] Magic = "VAMODEL1"u8.ToArray();
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    sealed record LayerEntry(string Type, int? Filters = null, int? Kernel = null, int? Stride = null, string? Padding = null,
        bool? Relu = null, int? Units = null, float? Rate = null);

    sealed record Header(int[] Input, string[] Labels, LayerEntry[] Layers, TrainingState? Training);

    public static bool IsModelFile(string path)
    {
        if (!File.Exists(path)) return false;
        using var stream = File.OpenRead(path);
        var start = new byte[Magic.Length];
        return stream.Read(start) == Magic.Length && start.AsSpan().SequenceEqual(Magic);
    }

    /// <summary>Writes atomically (a temporary file renamed over the target), so a stopped run never leaves half a model.</summary>
    public static void Save(Network network, string path, TrainingCheckpoint? checkpoint = null)
    {
        var header = new Header([network.InputShape.Height, network.InputShape.Width, network.InputShape.Channels],
            network.Labels.ToArray(), network.Layers.Skip(1).Select(Describe).ToArray(), checkpoint?.State);
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, Json);
            writer.Write(json.Length);
            writer.Write(json);
            foreach (var layer in network.Layers.OfType<Conv2DLayer>())
            {
                WriteFloats(writer, layer.Weights);
                WriteFloats(writer, layer.Bias);
            }
            if (checkpoint is not null)
                foreach (var array in checkpoint.Moments.Mean.Concat(checkpoint.Moments.Variance)) WriteFloats(writer, array);
        }
        byte[] hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        string temporary = path + ".tmp";
        try
        {
            using (var file = File.Create(temporary))
            {
                file.Write(body.GetBuffer().AsSpan(0, (int)body.Length));
                file.Write(hash);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { } // the previous file, if any, is untouched
            throw new VideoAffectException($"cannot write model '{path}': {e.Message.Split('\n')[0]}");
        }
    }

    static LayerEntry Describe(Layer layer) => layer switch
    {
        Conv2DLayer { Residual: not null } => throw new VideoAffectException($"layer '{layer.Name}' has a residual input, which the {Extension} format (sequential networks) cannot hold"),
        DenseLayer d => new LayerEntry("dense", Units: d.Units, Relu: d.Relu),
        Conv2DLayer c when Square(c.Geometry) => new LayerEntry("conv2d", c.Geometry.OutChannels, c.Geometry.KernelHeight, c.Geometry.StrideY, PaddingName(c.Geometry), c.Relu),
        MaxPoolLayer m when Square(m.Geometry) => new LayerEntry("maxpool", Kernel: m.Geometry.KernelHeight, Stride: m.Geometry.StrideY, Padding: PaddingName(m.Geometry)),
        DropoutLayer d => new LayerEntry("dropout", Rate: d.Rate),
        SoftmaxLayer => new LayerEntry("softmax"),
        _ => throw new VideoAffectException($"layer '{layer.Name}' ({layer.GetType().Name}) cannot be saved in the {Extension} format"),
    };

    static bool Square(WindowGeometry g) => g.KernelHeight == g.KernelWidth && g.StrideY == g.StrideX;

    /// <summary>Recovered from the geometry: SAME is the only mode whose output is ceil(in / stride).</summary>
    static string PaddingName(WindowGeometry g) =>
        g.OutHeight == (g.InHeight + g.StrideY - 1) / g.StrideY && g.OutHeight != (g.InHeight - g.KernelHeight + g.StrideY) / g.StrideY ? "same" : "valid";

    static void WriteFloats(BinaryWriter writer, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length); // little-endian on every platform .NET 10 runs on x64/arm64
        writer.Write(bytes);
    }

    /// <summary>The network, and the training part when the file is a checkpoint.</summary>
    public static (Network Network, TrainingCheckpoint? Checkpoint) Load(string path)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new ModelFormatException($"model file '{path}' does not exist");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ModelFormatException($"{name} is not a VideoAffect model ({Extension})");
        var content = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new ModelFormatException($"{name} is damaged or truncated (checksum mismatch)");
        try
        {
            int jsonLength = BitConverter.ToInt32(bytes, Magic.Length);
            int offset = Magic.Length + 4;
            var header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(offset, jsonLength), Json)
                ?? throw new ModelFormatException($"{name} has an empty header");
            offset += jsonLength;
            if (header.Input is not { Length: 3 }) throw new ModelFormatException($"{name}: input shape must be height, width, channels");
            var reader = new FloatReader(bytes, offset, content.Length, name);
            var network = Build(header, reader, name);
            TrainingCheckpoint? checkpoint = null;
            if (header.Training is not null)
            {
                var sizes = network.Layers.OfType<Conv2DLayer>().SelectMany(c => new[] { c.Weights.Length, c.Bias.Length }).ToArray();
                var mean = sizes.Select(reader.Next).ToArray();
                var variance = sizes.Select(reader.Next).ToArray();
                checkpoint = new TrainingCheckpoint(header.Training, new AdamMoments(mean, variance));
            }
            if (!reader.AtEnd) throw new ModelFormatException($"{name} has data after its parameters");
            return (network, checkpoint);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new ModelFormatException($"{name} has a malformed header: {e.Message.Split('\n')[0]}");
        }
    }

    static Network Build(Header header, FloatReader reader, string name)
    {
        var builder = new SequentialBuilder(new TensorShape(header.Input[0], header.Input[1], header.Input[2]));
        foreach (var entry in header.Layers ?? [])
        {
            Padding padding = entry.Padding == "same" ? Padding.Same : Padding.Valid;
            switch (entry.Type)
            {
                case "conv2d":
                {
                    int filters = Required(entry.Filters, "filters", name), k = Required(entry.Kernel, "kernel", name);
                    var input = builder.OutputShape; // the window must fit before its weights are read
                    _ = new WindowGeometry(input.Height, input.Width, input.Channels, filters, k, k, entry.Stride ?? 1, entry.Stride ?? 1, padding);
                    builder.Conv2D(filters, k, entry.Relu ?? false, entry.Stride ?? 1, padding,
                        reader.Next(k * k * builder.OutputShape.Channels * filters), reader.Next(filters));
                    break;
                }
                case "dense":
                {
                    int units = Required(entry.Units, "units", name);
                    builder.Dense(units, entry.Relu ?? false, reader.Next(builder.OutputShape.Size * units), reader.Next(units));
                    break;
                }
                case "maxpool": builder.MaxPool(Required(entry.Kernel, "kernel", name), entry.Stride, padding); break;
                case "dropout": builder.Dropout(entry.Rate ?? 0f); break;
                case "softmax": builder.Softmax(); break;
                default: throw new ModelFormatException($"{name}: unknown layer type '{entry.Type}'");
            }
        }
        return builder.Build(header.Labels ?? [], name);
    }

    static int Required(int? value, string field, string name) =>
        value is > 0 ? value.Value : throw new ModelFormatException($"{name}: a layer lacks a positive '{field}'");

    /// <summary>Reads float32 arrays in order and fails cleanly when the file has fewer than the header implies.</summary>
    sealed class FloatReader(byte[] bytes, int offset, int end, string name)
    {
        int _offset = offset;
        public bool AtEnd => _offset == end;

        public float[] Next(int count)
        {
            long length = (long)count * sizeof(float);
            if (count < 0 || _offset + length > end)
                throw new ModelFormatException($"{name} holds fewer parameters than its layers need");
            var values = new float[count];
            Buffer.BlockCopy(bytes, _offset, values, 0, (int)length);
            _offset += (int)length;
            return values;
        }
    }
}
