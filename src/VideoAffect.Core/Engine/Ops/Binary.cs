using VideoAffect.Engine.Onnx;
using VideoAffect.Kernels;

namespace VideoAffect.Engine;

/// <summary>
/// Add, Sub, Mul or Div of two tensors of the graph, where either may be broadcast: the same shape
/// as the output, one value per channel (a 1 x 1 x C image, as squeeze-and-excite blocks give) or
/// one value per item. A tensor with constants is a <see cref="ScaleShiftLayer"/> instead.
/// </summary>
internal sealed class BinaryLayer : Layer
{
    public BinaryLayer(string name, BinaryOp op, int left, TensorShape leftShape, int right, TensorShape rightShape)
        : base(name, [left, right], leftShape.Size >= rightShape.Size ? leftShape : rightShape)
    {
        var output = OutputShape;
        int channels = output.IsImage ? output.Channels : output.Size;
        foreach (var s in new[] { leftShape, rightShape })
            if (s.Size != output.Size && s.Size != 1 && !(s.Size == channels && (!s.IsImage || s.Height * s.Width == 1)))
                throw new ModelFormatException($"layer '{name}': cannot broadcast {s} against {output} (only equal shapes, one value per channel or one per item)");
        Operation = op;
        LeftShape = leftShape;
        RightShape = rightShape;
    }

    public BinaryOp Operation { get; }
    public TensorShape LeftShape { get; }
    public TensorShape RightShape { get; }
    public override string Op => Operation.ToString();
    public Broadcast Broadcast => new(OutputShape.Size, LeftShape.Size, RightShape.Size);

    internal override ManagedStep Managed(ManagedPlan plan) => (inputs, output, batch) =>
    {
        var (b, op, left, right) = (Broadcast, Operation, inputs[0], inputs[1]);
        int length = batch * OutputShape.Size;
        Parallel.For(0, (length + 4095) / 4096, block =>
        {
            int end = Math.Min(length, (block + 1) * 4096);
            for (int i = block * 4096; i < end; i++) output[i] = Broadcast.Apply(op, left[b.Left(i)], right[b.Right(i)]);
        });
    };

    internal override IlgpuStep Ilgpu(IlgpuPlan plan)
    {
        var kernel = plan.Kernel<BinaryKernel>();
        return (stream, inputs, output, batch) => kernel.Launch(stream, batch * OutputShape.Size, inputs[0], inputs[1], output, Broadcast, Operation);
    }

    /// <summary>ONNX broadcasts by its own (NCHW) shapes: a 1 x 1 x C operand is N x C x 1 x 1 there, which lines up; a per-item scalar would not.</summary>
    internal override bool ExportOnnx(OnnxNodeWriter onnx)
    {
        if (LeftShape.Rank != OutputShape.Rank || RightShape.Rank != OutputShape.Rank) return false;
        onnx.Node(Operation.ToString(), [onnx.Input(0), onnx.Input(1)], onnx.Output);
        return true;
    }
}
