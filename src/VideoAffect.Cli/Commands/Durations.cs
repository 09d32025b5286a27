using System.CommandLine;
using System.Globalization;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// One syntax for every time option: a number with a unit (500ms, 5s, 10m, 2h, 7d) or units together
/// (9m30s), a clock time as players and ffmpeg write it (9:30, 1:02:03.5), or a bare number in the
/// option's own unit (seconds, unless its name says ms).
/// </summary>
static partial class Durations
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
        if (value.Ticks % TimeSpan.TicksPerDay == 0 && value.Ticks != 0) return N(value.TotalDays) + "d";
        if (value.Ticks % TimeSpan.TicksPerHour == 0 && value.Ticks != 0) return N(value.TotalHours) + "h";
        if (value.Ticks % TimeSpan.TicksPerMinute == 0 && value.Ticks != 0) return N(value.TotalMinutes) + "m";
        return N(value.TotalSeconds) + "s";
    }

    /// <summary>
    /// 500ms, 5s, 10m, 2h, 7d, or units together (1d12h, 1h30m, 9m30s, 1m2.5s); a clock time as players and
    /// ffmpeg write it, [[HH:]MM:]SS[.fff] (9:30 is nine and a half minutes, 1:02:03 an hour and a
    /// bit); a .NET TimeSpan with days (1.02:00:00); or a bare number in the option's own unit.
    /// </summary>
    public static bool TryParse(string text, bool bareMilliseconds, out TimeSpan value)
    {
        text = text.Trim();
        value = default;
        if (Number(text, out double bare))
        {
            value = bareMilliseconds ? TimeSpan.FromMilliseconds(bare) : TimeSpan.FromSeconds(bare);
            return true;
        }
        if (Units().Match(text) is { Success: true } units && units.Length > 0)
        {
            double Part(string group) => units.Groups[group].Success ? double.Parse(units.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
            value = TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
            return true;
        }
        if (Clock().Match(text) is { Success: true } clock)
        {
            double seconds = double.Parse(clock.Groups["s"].Value, CultureInfo.InvariantCulture);
            int minutes = clock.Groups["m"].Success ? int.Parse(clock.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
            int hours = clock.Groups["h"].Success ? int.Parse(clock.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
            // Minutes and seconds below 60 once a larger part leads (1:75 is a typo, not 2:15).
            if (seconds >= 60 || (clock.Groups["h"].Success && minutes >= 60)) return false;
            value = TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
            return true;
        }
        if (text.Contains('.') && text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            value = span;
            return true;
        }
        return false;
    }

    static bool Number(string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && v >= 0 && double.IsFinite(v);

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<d>\d+(?:\.\d+)?)d)?(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+(?:\.\d+)?)ms)?$")]
    private static partial System.Text.RegularExpressions.Regex Units();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?:(?<h>\d+):)?(?<m>\d+):)(?<s>\d+(?:\.\d+)?)$")]
    private static partial System.Text.RegularExpressions.Regex Clock();
}
