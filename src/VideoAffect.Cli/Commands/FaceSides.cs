using System.CommandLine;
using System.Globalization;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// --min-face and --max-face: a face side in pixels (30), or a percentage of each frame's shorter
/// side (5%), one setting for 480p and 4K alike, and for a folder of videos of many sizes.
/// </summary>
static class FaceSides
{
    public static Option<FaceSide> Option(string name, string description, int defaultPixels) => new(name)
    {
        Description = $"{description}, in pixels, or with % a percentage of the frame's shorter side (e.g. 30, 5%)",
        HelpName = "PX|N%",
        DefaultValueFactory = _ => new FaceSide(defaultPixels, 0),
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (TryParse(text, out var side)) return side;
            result.AddError($"{name} takes a whole number of pixels or a percentage of the frame's shorter side above 0% and at most 100%, such as 30 or 5% (got '{text}')");
            return default;
        },
    };

    public static bool TryParse(string text, out FaceSide side)
    {
        side = default;
        if (text.EndsWith('%'))
        {
            if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double percent) || !(percent is > 0 and <= 100)) return false;
            side = new FaceSide(0, percent);
            return true;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pixels)) return false;
        side = new FaceSide(pixels, 0);
        return true;
    }

    /// <summary>A face side as given: pixels, or a percentage of the shorter side when <see cref="Percent"/> is above 0.</summary>
    public readonly record struct FaceSide(int Pixels, double Percent)
    {
        /// <summary>As the option takes it, for help's "[default: 30]".</summary>
        public override string ToString() => Percent > 0 ? Percent.ToString("0.###", CultureInfo.InvariantCulture) + "%" : Pixels.ToString(CultureInfo.InvariantCulture);
    }
}
