using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>
/// The seed paper's CNN on 48x48 gray faces: conv32-conv64-pool-dropout-conv128-pool-conv128-pool-
/// dropout-dense1024-dropout-dense7-softmax, 3x3 VALID convolutions with ReLU, 2x2 max pooling,
/// 2,345,607 parameters (DESIGN.md §3).
/// </summary>
internal static class SeedNetwork
{
    public const int Side = 48;

    public static Network Create(int seed = 1) =>
        new SequentialBuilder(new TensorShape(Side, Side, 1), seed)
            .Conv2D(32, 3).Conv2D(64, 3).MaxPool(2).Dropout(0.25f)
            .Conv2D(128, 3).MaxPool(2)
            .Conv2D(128, 3).MaxPool(2).Dropout(0.25f)
            .Dense(1024).Dropout(0.5f)
            .Dense(EmotionLabels.Fer2013.Count, relu: false)
            .Softmax()
            .Build(EmotionLabels.Fer2013, "the seed network");

    public static long ParameterCount(Network network) =>
        network.Layers.OfType<Conv2DLayer>().Sum(c => (long)c.Weights.Length + c.Bias.Length);
}
