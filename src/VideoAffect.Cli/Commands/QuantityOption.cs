using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// An option whose value is a number with a unit, as people write sizes and rates (20G, 2.5M), read
/// by the quantity's own parser: one place for how such an option refuses what it cannot read.
/// </summary>
static class QuantityOption
{
    public delegate bool Parser(string text, out long value);

    /// <param name="quantity">what the option takes, with examples: "a size such as 500M, 20G or 1.5T"</param>
    public static Option<long?> Create(string name, string description, string quantity, Parser parse) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (parse(text, out long value)) return value;
            result.AddError($"{name} takes {quantity} (got '{text}')");
            return null;
        },
    };

    /// <summary>
    /// Reads a number and its unit with <paramref name="pattern"/> (groups n and, optional, u), the
    /// unit's factor from <paramref name="factor"/> (given null for none), and takes values from
    /// <paramref name="min"/> to <paramref name="max"/> only.
    /// </summary>
    public static bool TryRead(string text, Regex pattern, Func<string?, double> factor, double min, double max, out long value)
    {
        value = 0;
        var m = pattern.Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double n)) return false;
        double read = n * factor(m.Groups["u"].Success ? m.Groups["u"].Value : null);
        if (!(read >= min) || read > max) return false;
        value = (long)read;
        return true;
    }
}
