using System.CommandLine;
using System.Globalization;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// One syntax for every time option: a number with a unit (500ms, 5s, 10m, 2h), a TimeSpan
/// (00:10:00), or a bare number in the option's own unit (seconds, unless its name says ms).
/// </summary>
static class Durations
{
    public static Option<TimeSpan> Option(string name, string description, TimeSpan defaultValue, bool bareMilliseconds = false) => new(name)
    {
        Description = $"{description} (e.g. {(bareMilliseconds ? "20ms, 0.5s" : "500ms, 5s, 10m")}; a bare number is {(bareMilliseconds ? "milliseconds" : "seconds")})",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, bareMilliseconds, out var value)) return value;
            result.AddError($"{name} takes a duration such as 500ms, 5s, 10m or 2h (got '{text}')");
            return default;
        },
    };

    public static bool TryParse(string text, bool bareMilliseconds, out TimeSpan value)
    {
        text = text.Trim();
        value = default;
        bool Number(string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && v >= 0 && double.IsFinite(v);
        double n;
        if (text.EndsWith("ms") && Number(text[..^2], out n)) value = TimeSpan.FromMilliseconds(n);
        else if (text.EndsWith('s') && Number(text[..^1], out n)) value = TimeSpan.FromSeconds(n);
        else if (text.EndsWith('m') && Number(text[..^1], out n)) value = TimeSpan.FromMinutes(n);
        else if (text.EndsWith('h') && Number(text[..^1], out n)) value = TimeSpan.FromHours(n);
        else if (Number(text, out n)) value = bareMilliseconds ? TimeSpan.FromMilliseconds(n) : TimeSpan.FromSeconds(n);
        else if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero) value = span;
        else return false;
        return true;
    }
}
