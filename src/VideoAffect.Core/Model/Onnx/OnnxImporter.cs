using Google.Protobuf;
using VideoAffect.Engine.Onnx.Proto;

namespace VideoAffect.Model.Onnx;

/// <summary>What the file may not say about a classifier, given by the user (`--labels`, `--input-mean`, `--input-scale`, `--pixel-order`).</summary>
public sealed record OnnxImportOptions(IReadOnlyList<string>? Labels = null, double? InputMean = null, double? InputScale = null, PixelOrder? Pixels = null);

/// <summary>
/// Reads an ONNX model (opsets 9 to 21, float32) into our engine, so a user's own classifier (FER+,
/// HSEmotion, anything a training framework exports) runs on every backend like the built-in
/// model. The graph is mapped op by op by <see cref="OnnxGraphBuilder"/>; labels and input
/// normalisation come from the file's metadata (<see cref="OnnxMetadata"/>) or the options.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The oldest opset read.</summary>
    public const int MinOpset = 9;
    /// <summary>The newest opset read.</summary>
    public const int MaxOpset = 21;

    /// <summary>Whether a model path names an ONNX file (by its extension).</summary>
    public static bool IsOnnxFile(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model as an emotion classifier: one output of one score per label, turned into probabilities if the graph does not end in a softmax.</summary>
    public static Network LoadClassifier(string path, OnnxImportOptions? options = null)
    {
        var (model, source) = Read(path);
        return Classifier(model, source, options ?? new());
    }

    /// <summary>Any graph, with all its outputs in ONNX's memory order (for tests and detectors).</summary>
    public static Network LoadGraph(byte[] bytes, string source, OnnxImportOptions? options = null) =>
        Build(Parse(bytes, source), source, options ?? new(), labels: []);

    /// <summary>The same as the file overload, for a model already in memory; <paramref name="source"/> names it in messages.</summary>
    public static Network LoadClassifier(byte[] bytes, string source, OnnxImportOptions? options = null) =>
        Classifier(Parse(bytes, source), source, options ?? new());

    static (ModelProto Model, string Source) Read(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such model file");
        return (Parse(File.ReadAllBytes(path), path), path);
    }

    static ModelProto Parse(byte[] bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException($"{source}: not an ONNX model (the protobuf does not parse: {e.Message.TrimEnd('.')}); a truncated or damaged file?");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0 || model.OpsetImport.Count == 0)
            throw new ModelFormatException($"{source}: not an ONNX model (no graph or no opset); a truncated or damaged file?");
        return model;
    }

    static int Opset(ModelProto model, string source)
    {
        var main = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new ModelFormatException($"{source}: the model imports no default ONNX opset");
        if (main.Version < MinOpset || main.Version > MaxOpset)
            throw new ModelFormatException($"{source}: opset {main.Version} is not supported (VideoAffect reads opsets {MinOpset} to {MaxOpset}; convert the model with onnx.version_converter)");
        return (int)main.Version;
    }

    static Network Classifier(ModelProto model, string source, OnnxImportOptions options)
    {
        if (model.Graph.Output.Count != 1)
            throw new ModelFormatException($"{source}: an emotion classifier has one output; this model has {model.Graph.Output.Count} ({string.Join(", ", model.Graph.Output.Select(o => o.Name))})");
        var raw = Build(model, source, options, labels: []);
        var layers = raw.Layers.ToList();
        int output = raw.Outputs[0].Layer;
        if (layers[output] is not SoftmaxLayer)
        {
            layers.Add(new SoftmaxLayer("probabilities", output, layers[output].OutputShape));
            output = layers.Count - 1;
        }
        int classes = layers[output].OutputShape.Size;
        var labels = options.Labels ?? MetadataLabels(model)
            ?? (classes == EmotionLabels.Fer2013.Count ? EmotionLabels.Fer2013
                : throw new ModelFormatException($"{source}: the model outputs {classes} classes and its metadata names none; give them with --labels name1,name2,... in output order"));
        if (labels.Count != classes)
            throw new ModelFormatException($"{source}: {labels.Count} labels ({string.Join(",", labels)}) for a model that outputs {classes} classes");
        return new Network(layers, [new NetworkOutput("probabilities", output)], labels, source, raw.Input);
    }

    static IReadOnlyList<string>? MetadataLabels(ModelProto model) =>
        Metadata(model, OnnxMetadata.Labels) is { } text ? text.Split(',').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray() : null;

    static string? Metadata(ModelProto model, string key) => model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    static Network Build(ModelProto model, string source, OnnxImportOptions options, IReadOnlyList<string> labels)
    {
        int opset = Opset(model, source);
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToArray();
        if (inputs.Length != 1)
            throw new ModelFormatException($"{source}: the model has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); VideoAffect feeds one image");
        var (layout, shape) = InputShape(inputs[0], source);
        var builder = new OnnxGraphBuilder(graph, opset, inputs[0].Name, layout, shape);
        foreach (var node in graph.Node) builder.Add(node);

        var outputs = new List<NetworkOutput>();
        foreach (var o in graph.Output)
        {
            var value = builder.Value(o.Name) ?? throw new ModelFormatException(builder.IsConstant(o.Name)
                ? $"{source}: output '{o.Name}' is a constant, not computed from the input"
                : $"{source}: output '{o.Name}' is produced by no node");
            if (value.Layer == 0) throw new ModelFormatException($"{source}: output '{o.Name}' is the input itself");
            outputs.Add(new NetworkOutput(o.Name, builder.OutputLayer(o.Name, value)));
        }
        return new Network(builder.Layers.ToList(), outputs, labels, source, Spec(model, shape, options, source));
    }

    /// <summary>N x C x H x W (C of 1 or 3) as ONNX images usually are, or N x H x W x C as TF exports them; H and W fixed.</summary>
    static (OnnxLayout, TensorShape) InputShape(ValueInfoProto input, string source)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (input.Type?.TensorType is { } t && t.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new ModelFormatException($"{source}: input '{input.Name}' is of type {(TensorProto.Types.DataType)t.ElemType}; VideoAffect feeds float32");
        if (dims is null || dims.Count != 4)
            throw new ModelFormatException($"{source}: input '{input.Name}' has rank {dims?.Count.ToString() ?? "unknown"}; VideoAffect feeds images of rank 4 (N x C x H x W)");
        long Fixed(int k) => dims[k].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[k].DimValue > 0 ? dims[k].DimValue : -1;
        var (d1, d2, d3) = (Fixed(1), Fixed(2), Fixed(3));
        if (d1 is 1 or 3 && d2 > 0 && d3 > 0) return (OnnxLayout.Nchw, new TensorShape((int)d2, (int)d3, (int)d1));
        if (d3 is 1 or 3 && d1 > 0 && d2 > 0) return (OnnxLayout.Nhwc, new TensorShape((int)d1, (int)d2, (int)d3));
        throw new ModelFormatException($"{source}: input '{input.Name}' [{string.Join(",", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString() : d.DimParam))}] " +
            "is not an image of fixed size with 1 or 3 channels (N x C x H x W or N x H x W x C)");
    }

    /// <summary>The options first, then the metadata, then raw levels (mean 0, scale 1), gray or RGB by channel count.</summary>
    static InputSpec Spec(ModelProto model, TensorShape shape, OnnxImportOptions options, string source)
    {
        double mean = options.InputMean ?? Number(model, OnnxMetadata.InputMean, source) ?? 0.0;
        double scale = options.InputScale ?? Number(model, OnnxMetadata.InputScale, source) ?? 1.0;
        if (!(scale != 0 && double.IsFinite(scale) && double.IsFinite(mean)))
            throw new ModelFormatException($"{source}: input mean {mean} and scale {scale} are not usable");
        var pixels = options.Pixels ?? (Metadata(model, OnnxMetadata.PixelOrder) is { } order && Enum.TryParse<PixelOrder>(order, ignoreCase: true, out var p) ? p
            : shape.Channels == 1 ? PixelOrder.Gray : PixelOrder.Rgb);
        var (divisor, offset) = OnnxMetadata.DivisorOffset(mean, scale);
        try
        {
            return new InputSpec(shape, pixels, divisor, offset).Checked(source);
        }
        catch (VideoAffectException e)
        {
            throw new ModelFormatException(e.Message);
        }
    }

    static double? Number(ModelProto model, string key, string source)
    {
        if (Metadata(model, key) is not { } text) return null;
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v
            : throw new ModelFormatException($"{source}: metadata {key} '{text}' is not a number");
    }
}
