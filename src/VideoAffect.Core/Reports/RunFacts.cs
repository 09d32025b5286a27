namespace VideoAffect.Reports;

/// <summary>What the report says about the run itself, in the order it shows them.</summary>
internal sealed record RunFacts(IReadOnlyList<(string Name, string Value)> Items)
{
    public string? this[string name] => Items.FirstOrDefault(i => i.Name == name).Value;

    /// <summary>How the program was started, as a shell would take it back.</summary>
    public static string CommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        var shown = args.Length > 1 && args[0].EndsWith("videoaffect.dll", StringComparison.Ordinal) ? ["videoaffect", .. args[1..]] : args;
        return string.Join(' ', shown.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'"));
    }
}
