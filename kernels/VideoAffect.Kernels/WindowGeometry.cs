namespace VideoAffect.Kernels;

/// <summary>TensorFlow's padding modes for windowed ops (convolution, pooling).</summary>
internal enum Padding { Valid, Same }

/// <summary>
/// Geometry of a sliding-window op on NHWC tensors: input and output extents, window, stride and
/// the leading padding. An unmanaged struct so that kernels can take it as a parameter unchanged.
/// </summary>
internal readonly struct WindowGeometry
{
    public readonly int InHeight, InWidth, InChannels;
    public readonly int OutHeight, OutWidth, OutChannels;
    public readonly int KernelHeight, KernelWidth;
    public readonly int StrideY, StrideX;
    /// <summary>Rows/columns of padding before the input; TF puts any odd extra padding after it.</summary>
    public readonly int PadTop, PadLeft;

    public WindowGeometry(int inHeight, int inWidth, int inChannels, int outChannels,
        int kernelHeight, int kernelWidth, int strideY, int strideX, Padding padding)
    {
        if (inHeight <= 0 || inWidth <= 0 || inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"tensor extents must be positive (got {inHeight}x{inWidth}x{inChannels} -> {outChannels})");
        if (kernelHeight <= 0 || kernelWidth <= 0 || strideY <= 0 || strideX <= 0)
            throw new ArgumentException($"window {kernelHeight}x{kernelWidth} stride {strideY}x{strideX} must be positive");
        InHeight = inHeight; InWidth = inWidth; InChannels = inChannels; OutChannels = outChannels;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth; StrideY = strideY; StrideX = strideX;
        (OutHeight, PadTop) = Extent(inHeight, kernelHeight, strideY, padding);
        (OutWidth, PadLeft) = Extent(inWidth, kernelWidth, strideX, padding);
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"a {kernelHeight}x{kernelWidth} VALID window does not fit a {inHeight}x{inWidth} input");
    }

    /// <summary>
    /// Explicit padding on each side, as ONNX (and PyTorch) give it; the output extent is floored,
    /// or ceiled with <paramref name="ceil"/> (pooling's ceil_mode), where a last window starting in
    /// the trailing padding is dropped as ONNX does. Padding after the input needs no field: a
    /// window position outside the input is padding wherever it falls.
    /// </summary>
    public static WindowGeometry Explicit(int inHeight, int inWidth, int inChannels, int outChannels, int kernelHeight, int kernelWidth,
        int strideY, int strideX, int padTop, int padLeft, int padBottom, int padRight, bool ceil = false)
    {
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0)
            throw new ArgumentException($"negative padding ({padTop},{padLeft},{padBottom},{padRight}) is not supported");
        var g = new WindowGeometry(inHeight, inWidth, inChannels, outChannels, kernelHeight, kernelWidth, strideY, strideX, Padding.Valid,
            ExplicitExtent(inHeight, kernelHeight, strideY, padTop, padBottom, ceil), ExplicitExtent(inWidth, kernelWidth, strideX, padLeft, padRight, ceil),
            padTop, padLeft);
        return g;
    }

    WindowGeometry(int inHeight, int inWidth, int inChannels, int outChannels, int kernelHeight, int kernelWidth, int strideY, int strideX,
        Padding _, int outHeight, int outWidth, int padTop, int padLeft)
    {
        if (inHeight <= 0 || inWidth <= 0 || inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"tensor extents must be positive (got {inHeight}x{inWidth}x{inChannels} -> {outChannels})");
        if (kernelHeight <= 0 || kernelWidth <= 0 || strideY <= 0 || strideX <= 0)
            throw new ArgumentException($"window {kernelHeight}x{kernelWidth} stride {strideY}x{strideX} must be positive");
        if (outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"a {kernelHeight}x{kernelWidth} window does not fit a {inHeight}x{inWidth} input with its padding");
        InHeight = inHeight; InWidth = inWidth; InChannels = inChannels; OutChannels = outChannels;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth; StrideY = strideY; StrideX = strideX;
        OutHeight = outHeight; OutWidth = outWidth; PadTop = padTop; PadLeft = padLeft;
    }

    static int ExplicitExtent(int input, int kernel, int stride, int before, int after, bool ceil)
    {
        int span = input + before + after - kernel;
        if (span < 0) return 0;
        int output = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceil && (output - 1) * stride >= input + before) output--; // a window may not start in the trailing padding
        return output;
    }

    /// <summary>Padding after the input along each axis that this geometry's windows reach into.</summary>
    public int PadBottom => Math.Max(0, (OutHeight - 1) * StrideY + KernelHeight - InHeight - PadTop);
    public int PadRight => Math.Max(0, (OutWidth - 1) * StrideX + KernelWidth - InWidth - PadLeft);

    /// <summary>Output extent and leading pad along one axis, as TensorFlow computes them.</summary>
    static (int Out, int PadBefore) Extent(int input, int kernel, int stride, Padding padding)
    {
        if (padding == Padding.Valid)
            return ((input - kernel + stride) / stride, 0);
        int output = (input + stride - 1) / stride;
        int padTotal = Math.Max((output - 1) * stride + kernel - input, 0);
        return (output, padTotal / 2);
    }

    public int InputSize => InHeight * InWidth * InChannels;
    public int OutputSize => OutHeight * OutWidth * OutChannels;

    /// <summary>The output element at a flat NHWC index (one kernel thread each).</summary>
    public OutputPosition Locate(int index)
    {
        int pixel = index / OutChannels;
        int rest = pixel / OutWidth;
        return new OutputPosition(rest / OutHeight, rest % OutHeight, pixel % OutWidth, index % OutChannels);
    }

    /// <summary>The input element at a flat NHWC index (backward passes run one thread per input element).</summary>
    public OutputPosition LocateInput(int index)
    {
        int pixel = index / InChannels;
        int rest = pixel / InWidth;
        return new OutputPosition(rest / InHeight, rest % InHeight, pixel % InWidth, index % InChannels);
    }

    /// <summary>Input row under window row <paramref name="ky"/> of output row <paramref name="oy"/>; may fall in the padding.</summary>
    public int InputY(int oy, int ky) => oy * StrideY - PadTop + ky;
    public int InputX(int ox, int kx) => ox * StrideX - PadLeft + kx;
    public bool InsideInput(int iy, int ix) => iy >= 0 && iy < InHeight && ix >= 0 && ix < InWidth;

    /// <summary>Flat offset of channel 0 of input pixel (iy, ix) of batch item n.</summary>
    public int InputOffset(int n, int iy, int ix) => n * InputSize + (iy * InWidth + ix) * InChannels;
}

/// <summary>Batch item, row, column and channel of one tensor element (output, or input for <see cref="WindowGeometry.LocateInput"/>).</summary>
internal readonly record struct OutputPosition(int N, int Y, int X, int Channel);
