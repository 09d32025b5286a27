using ILGPU.Algorithms;

namespace VideoAffect.Kernels;

/// <summary>
/// OpenCV's INTER_LINEAR sampling in float, for the device's resizing kernels (the face crop, the
/// detector's letterbox): pixel centres aligned, edge pixels clamped.
/// </summary>
internal static class LinearSampling
{
    /// <summary>The two source pixels and the weight of the second for output <paramref name="o"/> along one axis.</summary>
    public static void Sample(int source, int target, int o, out int i0, out int i1, out float fraction)
    {
        float s = (o + 0.5f) * ((float)source / target) - 0.5f;
        i0 = (int)XMath.Floor(s);
        fraction = s - i0;
        if (i0 < 0) { i0 = 0; fraction = 0f; }
        if (i0 >= source - 1) { i0 = source - 1; fraction = 0f; }
        i1 = XMath.Min(i0 + 1, source - 1);
    }

    public static float Lerp(float a, float b, float t) => a + (b - a) * t;
}
