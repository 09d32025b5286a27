namespace VideoAffect.Model.Onnx;

/// <summary>How ONNX sees a tensor our engine holds: an NCHW image, an image after a transpose to NHWC, or anything flat.</summary>
enum OnnxLayout { Nchw, Nhwc, Flat }

/// <summary>
/// A tensor the graph computes at run time: the layer whose output holds it, and the shape and
/// layout ONNX gives it (per item). Several values may share a layer where ONNX only reinterprets
/// the same values in the same order (Identity, Flatten of a 1 x 1 image, a transpose to NHWC),
/// and <see cref="Shape"/> may then differ from the layer's own shape in form, never in size.
/// </summary>
sealed record OnnxValue(int Layer, OnnxLayout Layout, TensorShape Shape, bool Owner)
{
    /// <summary>ONNX's per-item dims (without the batch axis).</summary>
    public long[] Dims => Layout switch
    {
        OnnxLayout.Nchw => [Shape.Channels, Shape.Height, Shape.Width],
        OnnxLayout.Nhwc => [Shape.Height, Shape.Width, Shape.Channels],
        _ => Shape.Dims.Select(d => (long)d).ToArray(),
    };

    /// <summary>ONNX's rank, batch axis included.</summary>
    public int Rank => Dims.Length + 1;

    /// <summary>The per-item axis (1-based, as ONNX counts with the batch) that is our last one: the channels.</summary>
    public int ChannelAxis => Layout == OnnxLayout.Nchw ? 1 : Rank - 1;

    /// <summary>The same layer's values under another view; it no longer owns the layer, so nothing is folded into it through this view.</summary>
    public OnnxValue As(OnnxLayout layout, TensorShape shape) => new(Layer, layout, shape, Owner: false);

    public override string ToString() => $"[N,{string.Join(",", Dims)}]";
}
