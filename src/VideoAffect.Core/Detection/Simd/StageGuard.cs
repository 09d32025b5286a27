namespace VideoAffect.Detection.Simd;

/// <summary>
/// When a stage's sum may be taken in float instead of OpenCV's double without changing any
/// decision. OpenCV adds a stage's leaf values (floats) in double and compares with the stage
/// threshold. Summed in float, in the same order, the total differs from that double sum by at most
/// n * (2^-24 + 2^-53) * (1 + small) * sum(|leaf|) for n trees (the standard bound for recursive
/// summation, for both sums); <see cref="Bound"/> doubles it. A float total at least
/// <see cref="PassFrom"/> therefore passes in OpenCV too, one below <see cref="FailBelow"/> fails
/// in OpenCV too, and only a total between the two (rare: within about 1e-5 of the threshold) has
/// to be summed again in double.
/// </summary>
internal readonly record struct StageGuard(float FailBelow, float PassFrom, double Bound)
{
    /// <summary>The guard for a stage of stumps (trees of one split), given each stump's two leaves.</summary>
    public static StageGuard ForStumps(float threshold, ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        // The most each tree can add, in magnitude, summed.
        double largest = 0;
        for (int t = 0; t < left.Length; t++) largest += Math.Max(Math.Abs((double)left[t]), Math.Abs((double)right[t]));
        double bound = 2.0 * left.Length * (Math.ScaleB(1.0, -24) + Math.ScaleB(1.0, -53)) * largest;
        return From(threshold, bound);
    }

    /// <summary>The float thresholds for an error bound: the float at or below threshold - bound, and the float at or above threshold + bound.</summary>
    public static StageGuard From(float threshold, double bound)
    {
        float failBelow = (float)(threshold - bound), passFrom = (float)(threshold + bound);
        // (float) rounds to nearest: step outwards where it rounded inwards.
        if (failBelow > threshold - bound) failBelow = MathF.BitDecrement(failBelow);
        if (passFrom < threshold + bound) passFrom = MathF.BitIncrement(passFrom);
        return new StageGuard(failBelow, passFrom, bound);
    }
}
