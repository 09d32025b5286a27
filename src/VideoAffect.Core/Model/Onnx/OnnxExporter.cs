using VideoAffect.Engine;
using VideoAffect.Engine.Onnx;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// Writes a <see cref="Network"/> as an ONNX model (opset 13, float32), so other engines (OpenCV
/// DNN, ONNX Runtime) can run exactly our network: the yardstick for our backends' speed and an
/// independent check of their results. Each op writes its own nodes (Engine/Ops); images are NCHW
/// in ONNX, so the graph's input is N x C x H x W and image outputs come out NCHW too.
/// </summary>
public static class OnnxExporter
{
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
        graph.Proto.String(2, "videoaffect");
        graph.Proto.Message(11, OnnxGraph.ValueInfo("input", OnnxGraph.Dims(network.InputShape)));
        foreach (var output in network.Outputs)
        {
            // Graph outputs carry the network's names; an Identity keeps the layer's tensor usable inside.
            graph.Node("Identity", [names[output.Layer]], output.Name);
            graph.Proto.Message(12, OnnxGraph.ValueInfo(output.Name, OnnxGraph.Dims(network.Layers[output.Layer].OutputShape)));
        }

        return new ProtoWriter()
            .Int(1, 7)                                   // ir_version
            .String(2, "VideoAffect")                    // producer_name
            .Message(7, graph.Proto)
            .Message(8, new ProtoWriter().String(1, "").Int(2, 13)) // opset_import: default domain, opset 13
            .ToArray();
    }
}
