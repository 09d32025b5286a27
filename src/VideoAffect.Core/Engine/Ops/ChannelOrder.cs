using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// An image flattened the way ONNX and PyTorch flatten it (channel by channel, C x H x W), or a
/// flat tensor read back as such an image: where a graph reshapes across the image axes, our NHWC
/// storage must move. A flatten of a 1 x 1 image, or of one channel, moves nothing and needs no layer.
/// </summary>
internal sealed class ChannelOrderLayer : Layer
{
    /// <summary><paramref name="image"/> is the image side: the input when flattening, the output when unflattening.</summary>
    public ChannelOrderLayer(string name, int input, TensorShape image, bool toChannelsFirst)
        : base(name, [input], toChannelsFirst ? new TensorShape(image.Size) : image)
    {
        if (!image.IsImage) throw new ModelFormatException($"layer '{name}': {image} is not an image");
        Image = image;
        ToChannelsFirst = toChannelsFirst;
    }

    public TensorShape Image { get; }
    public bool ToChannelsFirst { get; }
    public override string Op => ToChannelsFirst ? "FlattenChannelsFirst" : "UnflattenChannelsFirst";
    public ChannelOrder Order => new(Image.Height * Image.Width, Image.Channels, ToChannelsFirst);

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var (order, source) = (Order, inputs[0]);
        int length = batch * OutputShape.Size;
        Parallel.For(0, (length + 4095) / 4096, block =>
        {
            int end = Math.Min(length, (block + 1) * 4096);
            for (int i = block * 4096; i < end; i++) output[i] = source[order.Source(i)];
        });
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<ChannelOrderKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], output, Order);
    }

    /// <summary>In ONNX the image is NCHW already: this is exactly its Flatten, or a Reshape back to N x C x H x W.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        if (ToChannelsFirst)
        {
            onnx.Node("Flatten", [onnx.Input(0)], onnx.Output, OnnxGraph.Attribute("axis", 1));
            return true;
        }
        onnx.Graph.Initializer(onnx.Local("shape"), [-1, Image.Channels, Image.Height, Image.Width]);
        onnx.Node("Reshape", [onnx.Input(0), onnx.Local("shape")], onnx.Output);
        return true;
    }
}
