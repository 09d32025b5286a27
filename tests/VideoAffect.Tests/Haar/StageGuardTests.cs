using VideoAffect.Detection.Simd;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// The guard that lets the SIMD cascade sum a stage's leaves in float: wherever it calls a float
/// total sure, OpenCV's double sum must decide the same way. Checked on random stages whose
/// thresholds sit exactly on, and a hair around, sums the stages can reach (as trained thresholds
/// do), which is where float and double disagree.
/// </summary>
public class StageGuardTests
{
    [Fact]
    public void A_sure_float_decision_is_always_OpenCVs_double_decision()
    {
        var (contradictions, unsure, unsureElsewhere, checks) = Check(bound => bound);
        Assert.Equal(0, contradictions);
        // Sums on the threshold are left to double; other sums almost never are.
        Assert.True(unsure > 0, "sums on the threshold are left to double");
        Assert.True(unsureElsewhere < checks / 2 / 20, $"other sums are decided in float ({unsureElsewhere} of {checks / 2} left to double)");
    }

    [Fact]
    public void Without_its_margin_the_float_sum_would_contradict_OpenCV()
    {
        // The check above has the power to fail: with no margin, float rounding flips decisions.
        var (contradictions, _, _, _) = Check(_ => 0);
        Assert.True(contradictions > 0);
    }

    static (int Contradictions, int Unsure, int UnsureElsewhere, int Checks) Check(Func<double, double> margin)
    {
        var random = new Random(7);
        int contradictions = 0, unsure = 0, unsureElsewhere = 0, checks = 0;
        for (int stage = 0; stage < 400; stage++)
        {
            int trees = random.Next(3, 120);
            var left = new float[trees];
            var right = new float[trees];
            for (int t = 0; t < trees; t++)
            {
                left[t] = Leaf(random);
                right[t] = Leaf(random);
            }
            // A threshold on a reachable double sum, or a few float steps off it.
            double reachable = 0;
            var own = new Random(stage);
            for (int t = 0; t < trees; t++) reachable += own.Next(2) == 0 ? left[t] : right[t];
            float threshold = (float)reachable;
            for (int k = random.Next(-3, 4); k != 0; k -= Math.Sign(k)) threshold = k > 0 ? MathF.BitIncrement(threshold) : MathF.BitDecrement(threshold);
            var exact = StageGuard.ForStumps(threshold, left, right);
            var guard = StageGuard.From(threshold, margin(exact.Bound));
            for (int trial = 0; trial < 200; trial++)
            {
                float single = 0f;
                double sum = 0;
                // Half the trials take the threshold's own leaves, so that sums land on it.
                var pick = new Random(trial % 2 == 0 ? stage : stage * 1000 + trial);
                for (int t = 0; t < trees; t++)
                {
                    float leaf = pick.Next(2) == 0 ? left[t] : right[t];
                    single += leaf;
                    sum += leaf;
                }
                bool opencvPasses = !(sum < threshold);
                checks++;
                if (single >= guard.PassFrom) contradictions += opencvPasses ? 0 : 1;
                else if (single < guard.FailBelow) contradictions += opencvPasses ? 1 : 0;
                else if (trial % 2 == 0) unsure++;
                else unsureElsewhere++;
            }
        }
        return (contradictions, unsure, unsureElsewhere, checks);
    }

    /// <summary>Leaf values as trained cascades have them: either sign, from about 1e-4 to 1.</summary>
    static float Leaf(Random random) => (float)((random.Next(2) == 0 ? -1 : 1) * Math.Pow(10, -4 * random.NextDouble()));
}
