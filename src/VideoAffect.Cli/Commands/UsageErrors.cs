using System.CommandLine;
using System.Text.RegularExpressions;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// A command line that does not parse gets one line on stderr, naming the option and what it takes,
/// and exit code <see cref="CommandRunner.BadInput"/>, like every other bad input (not the whole help).
/// </summary>
static partial class UsageErrors
{
    public static int Report(ParseResult parse)
    {
        string command = parse.CommandResult.Command is RootCommand ? "videoaffect" : $"videoaffect {parse.CommandResult.Command.Name}";
        string message = parse.CommandResult.Command is RootCommand && parse.Tokens.Count == 0
            ? "name a command: " + string.Join(", ", parse.RootCommandResult.Command.Subcommands.Select(c => c.Name))
            : Rewrite(parse.Errors[0].Message);
        Console.Error.WriteLine($"videoaffect: usage: {message}; see '{command} --help'");
        return CommandRunner.BadInput;
    }

    /// <summary>System.CommandLine's messages, in the user's words rather than .NET's type names.</summary>
    static string Rewrite(string message)
    {
        var match = CannotParse().Match(message);
        if (match.Success)
        {
            string what = match.Groups["type"].Value switch
            {
                "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "a whole number",
                "System.Double" or "System.Single" => "a number",
                "System.Boolean" => "true or false",
                var other => other.Split('.')[^1],
            };
            return $"{match.Groups["option"].Value} takes {what} (got '{match.Groups["value"].Value}')";
        }
        return message.TrimEnd('.');
    }

    [GeneratedRegex("Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
