namespace VideoAffect.Kernels;

/// <summary>A choice as reports show it: the tactic's name and each tactic's time, whatever the op.</summary>
internal sealed record TacticChoice(int MaxBatch, string Tactic, IReadOnlyList<(string Tactic, double Seconds)> Seconds, IReadOnlyList<(string Tactic, string Error)> Failures);

/// <summary>An op's tactic choices, for reports (the GPU kit) that list every op's alike.</summary>
internal interface ITacticChoices
{
    IReadOnlyList<TacticChoice> Made { get; }

    /// <summary>Whether the op times its tactics (false: the default, untimed).</summary>
    bool Enabled { get; set; }
}

/// <summary>Tactics' names in reports: "StridedGemm" as "strided GEMM".</summary>
internal static class TacticNames
{
    public static string Of<TTactic>(TTactic tactic) where TTactic : struct, Enum
    {
        var words = System.Text.RegularExpressions.Regex.Split(tactic.ToString(), "(?<=[a-z])(?=[A-Z])");
        return string.Join(" ", words.Select(w => w == "Gemm" ? "GEMM" : w.ToLowerInvariant()));
    }
}
