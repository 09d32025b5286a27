using VideoAffect.Kernels;

namespace VideoAffect.Engine.Onnx;

/// <summary>ONNX attributes and weight layouts shared by the windowed ops (convolutions and pooling).</summary>
internal static class OnnxWindow
{
    /// <summary>TF puts any odd padding after the input; ONNX names all four sides.</summary>
    public static Proto.AttributeProto[] Attributes(WindowGeometry g, int group)
    {
        int padBottom = g.PadBottom, padRight = g.PadRight;
        var attributes = new List<Proto.AttributeProto>
        {
            OnnxGraph.Attribute("strides", [g.StrideY, g.StrideX]),
            OnnxGraph.Attribute("pads", [g.PadTop, g.PadLeft, padBottom, padRight]),
            OnnxGraph.Attribute("kernel_shape", [g.KernelHeight, g.KernelWidth]),
        };
        if (group > 0) attributes.Add(OnnxGraph.Attribute("group", group));
        return attributes.ToArray();
    }

    /// <summary>Our HWIO filter as ONNX's OIHW.</summary>
    public static float[] HwioToOihw(float[] w, WindowGeometry g)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, ci = g.InChannels, co = g.OutChannels;
        var result = new float[w.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < ci; i++)
                    for (int o = 0; o < co; o++)
                        result[((o * ci + i) * kh + y) * kw + x] = w[((y * kw + x) * ci + i) * co + o];
        return result;
    }

    /// <summary>Our depthwise [kh, kw, C] filter as ONNX's grouped [C, 1, kh, kw].</summary>
    public static float[] HwcToC1hw(float[] w, WindowGeometry g)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, c = g.InChannels;
        var result = new float[w.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < c; i++)
                    result[(i * kh + y) * kw + x] = w[(y * kw + x) * c + i];
        return result;
    }
}
