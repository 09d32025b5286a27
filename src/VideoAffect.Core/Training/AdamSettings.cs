using VideoAffect.Kernels.Training;

namespace VideoAffect.Training;

/// <summary>
/// Adam's hyper-parameters. The defaults are the seed's: Keras Adam with lr 1e-4 and decay 1e-6
/// (the learning rate divided by 1 + decay x iterations), beta 0.9 / 0.999, epsilon 1e-7.
/// </summary>
internal sealed record AdamSettings(double LearningRate = 1e-4, double Decay = 1e-6, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-7)
{
    /// <summary>The constants of update number <paramref name="step"/> (1-based), bias corrections folded in.</summary>
    public AdamStep StepFor(long step)
    {
        double lr = LearningRate / (1 + Decay * (step - 1));
        double corrected = lr * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step));
        return new AdamStep((float)corrected, (float)Beta1, (float)Beta2, (float)Epsilon);
    }
}
