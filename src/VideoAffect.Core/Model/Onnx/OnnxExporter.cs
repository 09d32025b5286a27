using Google.Protobuf;
using VideoAffect.Engine.Onnx;
using VideoAffect.Engine.Onnx.Proto;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// Writes a <see cref="Network"/> as an ONNX model (opset 13, float32), so other engines (OpenCV
/// DNN, ONNX Runtime) can run exactly our network: the yardstick for our backends' speed and an
/// independent check of their results. Each op writes its own nodes (Engine/Ops); images are NCHW
/// in ONNX, so the graph's input is N x C x H x W and image outputs come out NCHW too. Labels and
/// input normalisation travel in the metadata (<see cref="OnnxMetadata"/>), so
/// <see cref="OnnxImporter"/> reads the file back as the same classifier.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX opset exports declare.</summary>
    public const int Opset = 13;

    /// <summary>The network as an ONNX model (NCHW input, labels and input normalisation in its metadata); an op without an ONNX mapping is an <see cref="UnsupportedOpException"/>.</summary>
    public static byte[] Export(Network network)
    {
        var graph = new OnnxGraph();
        var names = new string[network.Layers.Count];
        names[0] = "input";
        for (int i = 1; i < network.Layers.Count; i++)
        {
            var layer = network.Layers[i];
            names[i] = $"t{i}";
            var writer = new OnnxNodeWriter(graph, layer.Inputs.Select(k => names[k]).ToArray(),
                layer.Inputs.Select(k => network.Layers[k].OutputShape).ToArray(), names[i]);
            if (!layer.ExportOnnx(writer))
                throw new ModelFormatException($"op {layer.Op} ('{layer.Name}') has no ONNX mapping");
        }
        graph.Proto.Input.Add(OnnxGraph.ValueInfo("input", OnnxGraph.Dims(network.InputShape)));
        foreach (var output in network.Outputs)
        {
            // Graph outputs carry the network's names; an Identity keeps the layer's tensor usable inside.
            graph.Node("Identity", [names[output.Layer]], output.Name);
            graph.Proto.Output.Add(OnnxGraph.ValueInfo(output.Name, OnnxGraph.Dims(network.Layers[output.Layer].OutputShape)));
        }

        var model = new ModelProto
        {
            IrVersion = 7, // the IR that opset 13 came with
            ProducerName = "VideoAffect",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        var (mean, scale) = OnnxMetadata.MeanScale(network.Input);
        if (network.Labels.Count > 0) Metadata(model, OnnxMetadata.Labels, string.Join(",", network.Labels));
        Metadata(model, OnnxMetadata.InputMean, OnnxMetadata.Format(mean));
        Metadata(model, OnnxMetadata.InputScale, OnnxMetadata.Format(scale));
        Metadata(model, OnnxMetadata.PixelOrder, network.Input.Pixels.ToString().ToLowerInvariant());
        return model.ToByteArray();
    }

    static void Metadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
