using VideoAffect.Model;
using VideoAffect.Training;

namespace VideoAffect.Tests.Support;

/// <summary>Hand-set 48x48 models whose answers a test can work out on paper.</summary>
static class TestModels
{
    const int Side = 48, Classes = 7, BandRows = 6;

    /// <summary>
    /// Predicts class k when rows 6k..6k+5 are the bright ones: logit k is the sum of band k's
    /// scaled pixels (+288 for a white band, -288 for a black one).
    /// </summary>
    public static Network Bands()
    {
        var weights = new float[Side * Side * Classes];
        for (int y = 0; y < Classes * BandRows; y++)
            for (int x = 0; x < Side; x++)
                weights[(y * Side + x) * Classes + y / BandRows] = 1f;
        return new SequentialBuilder(new TensorShape(Side, Side, 1)).Dense(Classes, relu: false, weights, new float[Classes]).Softmax()
            .Build(EmotionLabels.Fer2013, "bands");
    }

    /// <summary>An image the band model assigns to <paramref name="predicted"/>: that band white, the rest black.</summary>
    public static byte[] BandImage(int predicted)
    {
        var pixels = new byte[Side * Side];
        for (int y = predicted * BandRows; y < (predicted + 1) * BandRows; y++)
            for (int x = 0; x < Side; x++) pixels[y * Side + x] = 255;
        return pixels;
    }

    /// <summary>Class centres on the mean scaled brightness m, for <see cref="Brightness"/>.</summary>
    public static double Centre(int k) => -0.9 + 0.3 * k;

    /// <summary>
    /// Logit k = 2 c_k m - c_k^2 with m the mean scaled pixel: the softmax of -(m - c_k)^2 up to a
    /// constant, so the log-ratio of any two probabilities gives back m.
    /// </summary>
    public static Network Brightness()
    {
        var weights = new float[Side * Side * Classes];
        var bias = new float[Classes];
        for (int k = 0; k < Classes; k++)
        {
            bias[k] = (float)(-Centre(k) * Centre(k));
            for (int p = 0; p < Side * Side; p++) weights[p * Classes + k] = (float)(2 * Centre(k) / (Side * Side));
        }
        return new SequentialBuilder(new TensorShape(Side, Side, 1)).Dense(Classes, relu: false, weights, bias).Softmax()
            .Build(EmotionLabels.Fer2013, "brightness");
    }
}
