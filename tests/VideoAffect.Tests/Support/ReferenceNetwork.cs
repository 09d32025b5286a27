using VideoAffect.Model;

namespace VideoAffect.Tests.Support;

/// <summary>A whole <see cref="Network"/> evaluated with the float64 reference ops, layer by layer.</summary>
static class ReferenceNetwork
{
    public static double[] Run(Network network, float[] input, int batch)
    {
        var s = network.InputShape;
        var values = new ReferenceOps.Tensor[network.Layers.Count];
        values[0] = new ReferenceOps.Tensor(input.Select(v => (double)v).ToArray(), batch, s.Height, s.Width, s.Channels);
        for (int i = 1; i < network.Layers.Count; i++)
        {
            var layer = network.Layers[i];
            var x = values[layer.Inputs[0]];
            values[i] = layer switch
            {
                Conv2DLayer { Residual: { } r } c => ReferenceOps.Add(ReferenceOps.Conv2D(x, c.Weights, c.Bias, c.Geometry.KernelHeight, c.Geometry.KernelWidth,
                    c.Geometry.OutChannels, c.Geometry.StrideY, SamePadding(c.Geometry, x), relu: false), values[r], c.Relu),
                Conv2DLayer c => ReferenceOps.Conv2D(x, c.Weights, c.Bias, c.Geometry.KernelHeight, c.Geometry.KernelWidth,
                    c.Geometry.OutChannels, c.Geometry.StrideY, SamePadding(c.Geometry, x), c.Relu),
                DepthwiseConv2DLayer d => ReferenceOps.Depthwise(x, d.Weights, d.Bias, d.Geometry.KernelHeight, d.Geometry.KernelWidth,
                    d.Geometry.StrideY, SamePadding(d.Geometry, x), d.Relu),
                MaxPoolLayer m => ReferenceOps.MaxPool(x, m.Geometry.KernelHeight, m.Geometry.StrideY, SamePadding(m.Geometry, x)),
                AddLayer a => ReferenceOps.Add(x, values[layer.Inputs[1]], a.Relu),
                ReluLayer => ReferenceOps.Relu(x),
                GlobalAveragePoolLayer => ReferenceOps.GlobalAveragePool(x),
                SoftmaxLayer => ReferenceOps.Softmax(x),
                PadLayer p => ReferenceOps.Pad(x, p.Geometry.Top, p.Geometry.OutHeight - p.Geometry.InHeight - p.Geometry.Top,
                    p.Geometry.Left, p.Geometry.OutWidth - p.Geometry.InWidth - p.Geometry.Left,
                    p.Geometry.Front, p.Geometry.OutChannels - p.Geometry.InChannels - p.Geometry.Front),
                ReshapeLayer => x, // the same values in the same order; only the shape's reading changes
                _ => throw new NotSupportedException(layer.GetType().Name),
            };
        }
        return values[^1].Data;
    }

    /// <summary>Every named output of the network, in <see cref="Network.Outputs"/> order.</summary>
    public static double[][] RunAll(Network network, float[] input, int batch)
    {
        var outputs = new double[network.Outputs.Count][];
        for (int k = 0; k < outputs.Length; k++)
        {
            var prefix = new List<Layer>(network.Layers.Take(network.Outputs[k].Layer + 1));
            outputs[k] = Run(new Network(prefix, [new NetworkOutput("out", prefix.Count - 1)], [], "prefix"), input, batch);
        }
        return outputs;
    }

    /// <summary>
    /// SAME or VALID, recovered from the output size (the layer keeps only its geometry). Where both
    /// give the same size, SAME needs no padding either, so the two compute the same thing.
    /// </summary>
    static bool SamePadding(VideoAffect.Kernels.WindowGeometry g, ReferenceOps.Tensor x) =>
        ReferenceOps.Extent(x.H, g.KernelHeight, g.StrideY, same: true).Out == g.OutHeight;
}
