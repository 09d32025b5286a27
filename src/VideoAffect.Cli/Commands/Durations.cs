using System.CommandLine;
using System.Globalization;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// One syntax for every time option: a number with a unit (500ms, 5s, 10m, 2h), a TimeSpan
/// (00:10:00), or a bare number in the option's own unit (seconds, unless its name says ms).
/// </summary>
static class Durations
{
    /// <param name="name">The option.</param>
    /// <param name="description">What it sets.</param>
    /// <param name="defaultValue">Its value when not given.</param>
    /// <param name="bareMilliseconds">Whether a bare number is milliseconds (else seconds).</param>
    /// <param name="defaultText">The default as help shows it, where the value alone does not say it (0 meaning "until stopped").</param>
    public static Option<Duration> Option(string name, string description, TimeSpan defaultValue, bool bareMilliseconds = false, string? defaultText = null) => new(name)
    {
        Description = $"{description} (e.g. {(bareMilliseconds ? "20ms, 0.5s" : "500ms, 5s, 10m")}; a bare number is {(bareMilliseconds ? "milliseconds" : "seconds")})",
        DefaultValueFactory = _ => new Duration(defaultValue, defaultText),
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, bareMilliseconds, out var value)) return new Duration(value);
            result.AddError($"{name} takes a duration such as 500ms, 5s, 10m or 2h (got '{text}')");
            return default;
        },
    };

    /// <summary>
    /// A time option's value. Its own type only so that help prints a default in the syntax the
    /// option takes ("[default: 20ms]", "[default: 5m]"), not as a TimeSpan ("00:00:00.0200000").
    /// </summary>
    public readonly record struct Duration(TimeSpan Value, string? Text = null)
    {
        public static implicit operator TimeSpan(Duration d) => d.Value;

        public override string ToString() => Text ?? Format(Value);
    }

    /// <summary>The shortest of this syntax that says the value exactly: 20ms, 1.5s, 5m, 2h.</summary>
    public static string Format(TimeSpan value)
    {
        static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        if (value.Ticks % TimeSpan.TicksPerSecond != 0 && value < TimeSpan.FromSeconds(10)) return N(value.TotalMilliseconds) + "ms";
        if (value.Ticks % TimeSpan.TicksPerHour == 0 && value.Ticks != 0) return N(value.TotalHours) + "h";
        if (value.Ticks % TimeSpan.TicksPerMinute == 0 && value.Ticks != 0) return N(value.TotalMinutes) + "m";
        return N(value.TotalSeconds) + "s";
    }

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
