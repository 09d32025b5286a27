using System.Globalization;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// What a classifier needs besides its graph, kept in the ONNX file's metadata_props so a model
/// carries its own labels and input normalisation: <c>labels</c> (comma-separated, in output
/// order), <c>input_mean</c> and <c>input_scale</c> (a pixel level becomes <c>(level - mean) * scale</c>,
/// the convention of OpenCV's blobFromImage) and <c>pixel_order</c> (gray, rgb or bgr).
/// </summary>
public static class OnnxMetadata
{
    /// <summary>Key of the comma-separated labels, in output order.</summary>
    public const string Labels = "labels";
    /// <summary>Key of the mean subtracted from a pixel level.</summary>
    public const string InputMean = "input_mean";
    /// <summary>Key of the scale the difference is multiplied by.</summary>
    public const string InputScale = "input_scale";
    /// <summary>Key of the channels' pixel order: gray, rgb or bgr.</summary>
    public const string PixelOrder = "pixel_order";

    /// <summary>Our <c>level / divisor + offset</c> as a mean and scale.</summary>
    internal static (double Mean, double Scale) MeanScale(InputSpec spec) => (-(double)spec.Offset * spec.Divisor, 1.0 / spec.Divisor);

    /// <summary>A mean and scale as our <c>level / divisor + offset</c>.</summary>
    internal static (float Divisor, float Offset) DivisorOffset(double mean, double scale) => ((float)(1.0 / scale), (float)(-mean * scale));

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
