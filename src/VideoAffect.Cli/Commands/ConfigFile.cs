using System.CommandLine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `--config FILE` for monitor and node: a site's cameras and settings in one YAML file, for a
/// service rather than a command line of sixteen cameras and their zones. The file is the command
/// line written down: each key is one of the command's long options (`records: rec/`,
/// `detect-every: 2`, a list for a repeatable one, true for a switch), and `streams` names the
/// sources, each a URL or file, or a mapping with its `source` and its own `ignore-zones` /
/// `only-zones`. It is turned into tokens before the command line is parsed, so every value gets
/// exactly the checks and messages the option gets; an option given on the command line replaces
/// the file's, and streams from both are watched.
/// </summary>
static class ConfigFile
{
    public const string OptionName = "--config";

    /// <summary>The option as help shows it; it is taken out of the arguments before parsing.</summary>
    public static Option<string?> Option() => new(OptionName)
    {
        Description = "read options and streams from a YAML file: keys are this command's long options without '--' (a list for a repeatable one, true for a switch); "
            + "'streams' maps each NAME to its SOURCE, or to {source, ignore-zones, only-zones}; options on the command line win over the file's",
    };

    /// <summary>
    /// The arguments with a --config file's tokens put in after the command's name (the file is
    /// read once, here); arguments without --config are returned as they are.
    /// </summary>
    public static string[] Expand(RootCommand root, string[] args)
    {
        if (args.Length == 0 || root.Subcommands.FirstOrDefault(c => c.Name == args[0]) is not { } command
            || !command.Options.Any(o => o.Name == OptionName)) return args;
        int end = Array.IndexOf(args, "--") is >= 0 and var dashes ? dashes : args.Length; // after "--" everything is an argument
        var rest = new List<string>();
        var given = new HashSet<string>(StringComparer.Ordinal); // options on the command line, which win over the file's
        string? path = null;
        for (int i = 1; i < args.Length; i++)
        {
            string? value = null;
            if (i < end && args[i] == OptionName)
            {
                if (i + 1 >= end) throw new VideoAffectException($"{OptionName} needs a file");
                value = args[++i];
            }
            else if (i < end && args[i].StartsWith(OptionName + "=", StringComparison.Ordinal)) value = args[i][(OptionName.Length + 1)..];
            if (value is null)
            {
                if (i < end && args[i].StartsWith('-')) given.Add(args[i].Split('=')[0]);
                rest.Add(args[i]);
                continue;
            }
            if (path is not null) throw new VideoAffectException($"{OptionName} is given twice");
            path = value;
        }
        if (path is null) return args;
        return [args[0], .. Tokens(command, path, given), .. rest];
    }

    /// <summary>The file's options (those not <paramref name="given"/> on the command line) and streams as command-line tokens.</summary>
    static List<string> Tokens(Command command, string path, IReadOnlySet<string> given)
    {
        var document = Load(path);
        var tokens = new List<string>();
        var streams = new List<string>();
        var zones = new List<string>();
        foreach (var (keyNode, value) in document.Children)
        {
            string key = Scalar(path, keyNode, "a key");
            if (key == "streams")
            {
                if (!command.Arguments.Any(a => a.Name == "sources")) throw At(path, keyNode, $"'streams' is not a key of {command.Name} (its streams come from the cluster)");
                streams.AddRange(Streams(path, value, zones));
                continue;
            }
            string name = "--" + key.Replace('_', '-');
            var option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (option is null || option.Name is OptionName or "--help")
                throw At(path, keyNode, $"'{key}' is not a key of {command.Name}{Spelling.Hint(key, command.Options.Where(o => o.Name is not (OptionName or "--help") && o.Name.StartsWith("--", StringComparison.Ordinal)).Select(o => o.Name[2..]).Append("streams"))}; keys are its long options without '--' and 'streams'");
            if (given.Contains(option.Name) || option.Aliases.Any(given.Contains)) continue; // the command line wins
            var values = value is YamlSequenceNode list ? list.Children.Select(v => Scalar(path, v, $"a value of '{key}'")).ToList() : [Scalar(path, value, $"the value of '{key}'")];
            if (option.ValueType == typeof(bool))
            {
                bool? on = values is [var one] ? one.ToLowerInvariant() switch { "true" or "yes" or "on" => true, "false" or "no" or "off" => false, _ => null } : null;
                if (on is null) throw At(path, value, $"'{key}' is a switch: true or false");
                if (on.Value) tokens.Add(option.Name);
                continue;
            }
            if (values.Count > 1 && option.Arity.MaximumNumberOfValues <= 1) throw At(path, value, $"'{key}' takes one value, not a list");
            foreach (var v in values) tokens.AddRange([option.Name, v]);
        }
        return [.. tokens, .. zones, .. streams];
    }

    /// <summary>`streams`: a mapping of NAME to SOURCE or to {source, ignore-zones, only-zones}, or a list of sources.</summary>
    static IEnumerable<string> Streams(string path, YamlNode node, List<string> zoneTokens)
    {
        if (node is YamlSequenceNode list)
        {
            foreach (var item in list.Children) yield return Scalar(path, item, "a stream's source");
            yield break;
        }
        if (node is not YamlMappingNode streams) throw At(path, node, "'streams' maps each stream's name to its source");
        foreach (var (nameNode, spec) in streams.Children)
        {
            string name = Scalar(path, nameNode, "a stream's name");
            if (name.Length == 0 || name.Contains('=')) throw At(path, nameNode, $"'{name}' is not a stream name");
            if (spec is not YamlMappingNode details)
            {
                yield return $"{name}={Scalar(path, spec, $"the source of stream '{name}'")}";
                continue;
            }
            string? source = null;
            foreach (var (keyNode, value) in details.Children)
            {
                string key = Scalar(path, keyNode, "a key").Replace('_', '-');
                string? zoneOption = key switch { "ignore-zones" or "ignore-zone" => "--ignore-zone", "only-zones" or "only-zone" => "--only-zone", _ => null };
                if (key == "source") source = Scalar(path, value, $"the source of stream '{name}'");
                else if (zoneOption is not null)
                {
                    var zones = value is YamlSequenceNode z ? z.Children : [value];
                    foreach (var zone in zones) zoneTokens.AddRange([zoneOption, $"{name}={Scalar(path, zone, $"a zone of stream '{name}'")}"]);
                }
                else throw At(path, keyNode, $"'{key}' is not a key of a stream{Spelling.Hint(key, ["source", "ignore-zones", "only-zones"])}; a stream takes source, ignore-zones and only-zones");
            }
            if (source is null) throw At(path, details, $"stream '{name}' has no source");
            yield return $"{name}={source}";
        }
    }

    static YamlMappingNode Load(string path)
    {
        string text;
        // .NET says a folder is "Access to the path is denied".
        if (Directory.Exists(path)) throw new VideoAffectException($"{OptionName} {path}: a folder, not a config file");
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoAffectException($"{OptionName} {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}");
        }
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            string why = (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" ");
            throw new VideoAffectException($"{path}:{e.Start.Line}:{e.Start.Column}: not YAML that can be read ({why})");
        }
        if (yaml.Documents.Count == 0) throw new VideoAffectException($"{path}: the file is empty; it takes keys such as 'streams' and 'records'");
        if (yaml.Documents.Count > 1) throw new VideoAffectException($"{path}: holds {yaml.Documents.Count} YAML documents; it takes one");
        return yaml.Documents[0].RootNode as YamlMappingNode
            ?? throw At(path, yaml.Documents[0].RootNode, "the file is not a mapping of keys to values");
    }

    static string Scalar(string path, YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } value } ? value.Trim() : throw At(path, node, $"{what} must be a single value");

    static VideoAffectException At(string path, YamlNode node, string why) => new($"{path}:{node.Start.Line}: {why}");
}
