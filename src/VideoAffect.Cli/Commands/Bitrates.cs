using System.CommandLine;
using System.Text.RegularExpressions;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// Bit rates as streaming settings write them: 2M, 2.5M, 800k (powers of 1000, bits per second; a
/// "bps", "b/s" or "bit/s" after them is allowed), or a bare number of bits per second.
/// </summary>
static partial class Bitrates
{
    public static Option<long?> Option(string name, string description) =>
        QuantityOption.Create(name, $"{description}; a bare number is bits per second", "a bit rate such as 800k, 2M or 2.5M", TryParse);

    /// <summary>At least 10 kbit/s (less holds no picture) and at most 1 Gbit/s.</summary>
    public static bool TryParse(string text, out long bitsPerSecond) =>
        QuantityOption.TryRead(text, Rate(), unit => unit is null ? 1 : char.ToLowerInvariant(unit[0]) == 'k' ? 1e3 : 1e6, 10_000, 1e9, out bitsPerSecond);

    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)\s*(?<u>[kKmM])?(?:bps|b/s|bit/s)?$")]
    private static partial Regex Rate();
}
