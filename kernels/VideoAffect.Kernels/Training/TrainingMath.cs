namespace VideoAffect.Kernels.Training;

/// <summary>
/// Which activations dropout keeps: a counter-based hash of (seed, element index), so the mask is
/// recomputed in the backward pass instead of stored, and the GPU kernels and the managed CPU path
/// draw exactly the same mask for the same seed.
/// </summary>
internal static class DropoutMask
{
    public static bool Keeps(uint seed, int index, float rate)
    {
        uint h = (uint)index * 0x9E3779B9u ^ seed;
        h ^= h >> 16; h *= 0x7FEB352Du;
        h ^= h >> 15; h *= 0x846CA68Bu;
        h ^= h >> 16;
        return (h >> 8) * (1f / 16777216f) >= rate; // 24 uniform bits in [0, 1)
    }

    /// <summary>Inverted dropout: kept activations are scaled by 1/(1-rate), so inference is the identity.</summary>
    public static float Apply(float value, uint seed, int index, float rate) =>
        Keeps(seed, index, rate) ? value / (1f - rate) : 0f;
}

/// <summary>One Adam step's constants; the bias corrections are folded into <see cref="StepSize"/> by the host.</summary>
internal readonly record struct AdamStep(float StepSize, float Beta1, float Beta2, float Epsilon);

/// <summary>A parameter and its two moment estimates after one Adam step.</summary>
internal readonly record struct AdamState(float Weight, float Mean, float Variance)
{
    /// <summary>Adam as Keras implements it: eps added to sqrt(v), bias correction in the step size.</summary>
    public AdamState Update(float gradient, AdamStep s)
    {
        float m = s.Beta1 * Mean + (1f - s.Beta1) * gradient;
        float v = s.Beta2 * Variance + (1f - s.Beta2) * gradient * gradient;
        return new AdamState(Weight - s.StepSize * m / (ILGPU.Algorithms.XMath.Sqrt(v) + s.Epsilon), m, v);
    }
}
