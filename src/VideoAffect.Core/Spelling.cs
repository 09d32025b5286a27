namespace VideoAffect;

/// <summary>
/// The word a user most likely meant by one that is no option, command, key or scheme of ours:
/// `--detect-evry`, `monitr`, `duraton`, `rstp`, each said with the one that was meant instead of
/// only "unknown".
/// </summary>
internal static class Spelling
{
    /// <summary>
    /// The edits between two words, each a letter typed, left out or changed, or two neighbours
    /// swapped (the optimal string alignment distance).
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// The one known word nearest to <paramref name="typed"/> (case aside): within one edit, or two
    /// for words of eight letters or more (an option's leading dashes not counted); null where none
    /// is that near, or two are as near.
    /// </summary>
    public static string? Nearest(string typed, IEnumerable<string> known)
    {
        string word = typed.ToLowerInvariant();
        int most = word.TrimStart('-').Length >= 8 ? 2 : 1; // an option's dashes are no letters to count: --seconds is not --records
        var near = known.Distinct().Select(k => (Word: k, Edits: Distance(word, k.ToLowerInvariant()))).Where(c => c.Edits <= most && c.Edits > 0).ToList();
        if (near.Count == 0) return null;
        int best = near.Min(c => c.Edits);
        return near.Where(c => c.Edits == best).ToList() is [var only] ? only.Word : null;
    }

    /// <summary>" (did you mean 'X'?)", or nothing.</summary>
    public static string Hint(string typed, IEnumerable<string> known) =>
        Nearest(typed, known) is { } meant ? $" (did you mean '{meant}'?)" : "";
}
