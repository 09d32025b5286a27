using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>The element-wise arithmetic between two tensors of a graph.</summary>
internal enum BinaryOp { Add, Sub, Mul, Div }

/// <summary>
/// Where each operand's value for output element i lies: an operand holds either a whole item
/// (<c>Size</c> values), one value per channel (the last NHWC axis) or one value per item, and
/// element i of an item of <c>ItemSize</c> reads index <c>(i / ItemSize) * Size + (i % ItemSize) % Size</c>:
/// numpy broadcasting for the shapes a CNN uses (squeeze-and-excite scales, per-item scalars).
/// </summary>
internal readonly struct Broadcast(int itemSize, int leftSize, int rightSize)
{
    public readonly int ItemSize = itemSize, LeftSize = leftSize, RightSize = rightSize;

    public int Left(int i) => i / ItemSize * LeftSize + i % ItemSize % LeftSize;
    public int Right(int i) => i / ItemSize * RightSize + i % ItemSize % RightSize;

    public static float Apply(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };
}

/// <summary>A <see cref="BinaryOp"/> of two tensors with <see cref="Broadcast"/>, one thread per output value.</summary>
internal sealed class BinaryKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Broadcast, int> _kernel;

    public BinaryKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Broadcast, int>(Execute);

    public void Launch(AcceleratorStream stream, int length, ArrayView<float> left, ArrayView<float> right, ArrayView<float> output, Broadcast broadcast, BinaryOp op) =>
        _kernel(stream, length, left, right, output, broadcast, (int)op);

    static void Execute(Index1D index, ArrayView<float> left, ArrayView<float> right, ArrayView<float> output, Broadcast b, int op) =>
        output[index] = Broadcast.Apply((BinaryOp)op, left[b.Left(index)], right[b.Right(index)]);
}
