namespace VideoAffect.Engine;

/// <summary>The pixels a model takes per channel: one gray level, or colour in RGB or BGR order.</summary>
public enum PixelOrder
{
    /// <summary>One channel: the gray level.</summary>
    Gray = Kernels.FaceCropKernel.Gray,
    /// <summary>Three channels, red first.</summary>
    Rgb = Kernels.FaceCropKernel.Rgb,
    /// <summary>Three channels, blue first (OpenCV's order).</summary>
    Bgr = Kernels.FaceCropKernel.Bgr,
}

/// <summary>
/// What a model's input is, as the model was trained: its shape, which pixels fill its channels
/// and how an 8-bit level becomes a value (<c>level / Divisor + Offset</c>). Every preprocessing
/// path (the host crop, the device crop kernel, training images, a detector's letterbox) reads
/// it from here instead of assuming one model's numbers.
/// </summary>
/// <param name="Shape">One input item's shape (height, width, channels).</param>
/// <param name="Pixels">Which pixels fill the channels.</param>
/// <param name="Divisor">A level is divided by this ...</param>
/// <param name="Offset">... and this is added.</param>
public sealed record InputSpec(TensorShape Shape, PixelOrder Pixels, float Divisor, float Offset)
{
    /// <summary>Levels scaled to [-1, 1] as <c>x / 127.5 - 1</c>: the emotion CNN and BlazeFace both use it.</summary>
    public static InputSpec SignedUnit(TensorShape shape, PixelOrder pixels) => new(shape, pixels, 127.5f, -1f);

    /// <summary>Channels of the input: 1 for gray, 3 for colour.</summary>
    public int Channels => Pixels == PixelOrder.Gray ? 1 : 3;

    /// <summary>One level as the model sees it; written so the result is bit-identical in every path.</summary>
    public float Normalise(float level) => level / Divisor + Offset;

    /// <summary>Refuses a spec whose pixels do not fill the shape's channels.</summary>
    public InputSpec Checked(string source)
    {
        if (!Shape.IsImage || Shape.Channels != Channels)
            throw new VideoAffectException($"{source}: input {Shape} does not hold {Pixels} pixels ({Channels} channel{(Channels == 1 ? "" : "s")})");
        if (!(Divisor > 0f) || !float.IsFinite(Offset))
            throw new VideoAffectException($"{source}: input normalisation level / {Divisor} + {Offset} is not usable");
        return this;
    }
}
