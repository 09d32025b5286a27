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
        string command = string.Join(' ', CommandPath(parse.CommandResult).Prepend("videoaffect"));
        var current = parse.CommandResult.Command;
        // A token nobody took says more than what is missing because of it ("videoaffect bogus" is
        // first of all an unknown command, and only then one without a command).
        var unknown = parse.Errors.Select(e => UnknownToken().Match(e.Message)).FirstOrDefault(m => m.Success);
        string message = unknown is not null ? Unknown(current, unknown.Groups["token"].Value)
            : current.Subcommands.Count > 0 && parse.Errors.Any(e => e.Message.StartsWith("Required command", StringComparison.Ordinal)) ? Commands(current)
            : Rewrite(parse.Errors[0].Message);
        Console.Error.WriteLine($"videoaffect: usage: {message}; see '{command} --help'");
        return CommandRunner.BadInput;
    }

    /// <summary>A token nobody took: a command where the command has subcommands (`videoaffect bogus`, `cluster list`), else an option or argument.</summary>
    static string Unknown(Command command, string token)
    {
        if (command.Subcommands.Count == 0 || token.StartsWith('-')) return $"unknown option or argument '{token}'{OptionHint(command, token)}";
        string name = command is RootCommand ? token : $"{command.Name} {token}";
        return $"unknown command '{name}'{Spelling.Hint(token, command.Subcommands.Select(c => c.Name))}; {Commands(command)}";
    }

    /// <summary>The command's option nearest to a mistyped one (`--detect-evry`: --detect-every), as " (did you mean ...?)".</summary>
    static string OptionHint(Command command, string token) =>
        token.StartsWith('-') ? Spelling.Hint(token.Split('=')[0], command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))) : "";

    static string Commands(Command command) => "name a command: " + string.Join(", ", command.Subcommands.Select(c => c.Name));

    /// <summary>The command's names below the root: ["cluster", "add"] for `videoaffect cluster add`, so the hint names the help that exists.</summary>
    static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new Stack<string>();
        for (; result is { Command: not RootCommand }; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Push(result.Command.Name);
        return names;
    }

    /// <summary>
    /// Makes a mistyped option a usage error in every argument of <paramref name="command"/> and its
    /// subcommands. System.CommandLine hands a token it does not know to a list argument as a value,
    /// so `monitor cam --seconds 5` watched sources named '--seconds' and '5' (and went on with the
    /// camera) instead of saying that monitor has no --seconds. A value that starts with '-' and names
    /// no file or folder is refused ('-' alone, standard input, is left to the command).
    /// </summary>
    public static void RejectUnknownOptions(Command command)
    {
        foreach (var argument in command.Arguments)
            argument.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (token.Value.Length > 1 && token.Value[0] == '-' && !File.Exists(token.Value) && !Directory.Exists(token.Value))
                        result.AddError($"unknown option '{token.Value}'{OptionHint(command, token.Value)}");
            });
        foreach (var subcommand in command.Subcommands)
            RejectUnknownOptions(subcommand);
    }

    /// <summary>
    /// Refuses an empty value ('') for every text option and argument of <paramref name="command"/>
    /// and its subcommands: a path left empty by a script's unset variable (`-o "$OUT"`) is a usage
    /// error naming the option, where before some were an unexpected failure and `--model ''` quietly
    /// ran the default model. No option of ours takes an empty text.
    /// </summary>
    public static void RejectEmptyValues(Command command)
    {
        foreach (var option in command.Options.Where(o => o.ValueType == typeof(string) || o.ValueType == typeof(string[])))
            option.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value))) result.AddError($"{option.Name} takes a non-empty value (got '')");
            });
        foreach (var argument in command.Arguments.Where(a => a.ValueType == typeof(string) || a.ValueType == typeof(string[])))
            argument.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value))) result.AddError($"an empty {argument.Name.TrimEnd('s')} was given ('')");
            });
        foreach (var subcommand in command.Subcommands)
            RejectEmptyValues(subcommand);
    }

    /// <summary>
    /// Refuses "nan" and "infinity", which .NET reads as numbers, for every number option of
    /// <paramref name="command"/> and its subcommands: none of ours means either, and a NaN passes
    /// every "must be greater than" check (`--scale-factor nan` never finished a frame).
    /// </summary>
    public static void RejectNonFiniteNumbers(Command command)
    {
        foreach (var option in command.Options.Where(o => o.ValueType == typeof(double) || o.ValueType == typeof(float) || o.ValueType == typeof(double?)))
            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) && !double.IsFinite(value))
                        result.AddError($"{option.Name} takes a finite number (got '{token.Value}')");
            });
        foreach (var subcommand in command.Subcommands)
            RejectNonFiniteNumbers(subcommand);
    }

    /// <summary>System.CommandLine's messages, in the user's words rather than .NET's type names.</summary>
    static string Rewrite(string message)
    {
        var match = CannotParse().Match(message);
        if (match.Success)
        {
            // An optional option's type is Nullable`1[T]: said as T is (`--input-mean x` said "takes Double]").
            string type = match.Groups["type"].Value is var t && t.StartsWith("System.Nullable`1[", StringComparison.Ordinal) && t.EndsWith(']') ? t["System.Nullable`1[".Length..^1] : t;
            string what = type switch
            {
                "System.Int32" or "System.Int64" => "a whole number",
                "System.Double" or "System.Single" => "a number",
                "System.Boolean" => "true or false",
                var other => other.Split('.')[^1],
            };
            return $"{match.Groups["option"].Value} takes {what} (got '{match.Groups["value"].Value}')";
        }
        return message.TrimEnd('.');
    }

    [GeneratedRegex("^Unrecognized command or argument '(?<token>.*)'")]
    private static partial Regex UnknownToken();

    [GeneratedRegex("Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
