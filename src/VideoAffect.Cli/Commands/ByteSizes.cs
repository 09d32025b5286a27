using System.CommandLine;
using System.Text.RegularExpressions;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// Sizes as people write them for disks: 500M, 20G, 1.5T, 100K (powers of 1024, as df -h and du -h
/// count; a B or iB after the letter is allowed), or a bare number of bytes.
/// </summary>
static partial class ByteSizes
{
    public static Option<long?> Option(string name, string description) =>
        QuantityOption.Create(name, $"{description}; a bare number is bytes", "a size such as 500M, 20G or 1.5T", TryParse);

    public static bool TryParse(string text, out long bytes) =>
        QuantityOption.TryRead(text, Size(), unit => unit is null ? 1 : Math.Pow(1024, "KMGT".IndexOf(char.ToUpperInvariant(unit[0])) + 1), 1, long.MaxValue / 2, out bytes);

    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)\s*(?:(?<u>[KkMmGgTt])(?:i?[Bb])?|[Bb])?$")]
    private static partial Regex Size();
}
