using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// Sizes as people write them for disks: 500M, 20G, 1.5T, 100K (powers of 1024, as df -h and du -h
/// count; a B or iB after the letter is allowed), or a bare number of bytes.
/// </summary>
static partial class ByteSizes
{
    public static Option<long?> Option(string name, string description) => new(name)
    {
        Description = $"{description}; a bare number is bytes",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, out long bytes)) return bytes;
            result.AddError($"{name} takes a size such as 500M, 20G or 1.5T (got '{text}')");
            return null;
        },
    };

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var m = Size().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double n)) return false;
        int power = m.Groups["u"].Success ? "KMGT".IndexOf(char.ToUpperInvariant(m.Groups["u"].Value[0])) + 1 : 0;
        double value = n * Math.Pow(1024, power);
        if (!(value >= 1) || value > long.MaxValue / 2) return false;
        bytes = (long)value;
        return true;
    }

    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)\s*(?:(?<u>[KkMmGgTt])(?:i?[Bb])?|[Bb])?$")]
    private static partial Regex Size();
}
