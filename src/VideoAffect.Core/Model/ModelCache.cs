using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace VideoAffect.Model;

/// <summary>One file of a pinned model: where it sits in its npm package and its sha256.</summary>
public sealed record PinnedFile(string Name, string PathInPackage, string Sha256);

/// <summary>A model VideoAffect uses, pinned to files of one version of one npm package.</summary>
public sealed record PinnedModel(string Name, string Description, string Package, string Version, IReadOnlyList<PinnedFile> Files);

/// <summary>How a model's files stand in the cache.</summary>
public sealed record ModelStatus(PinnedModel Model, string Directory, IReadOnlyList<(PinnedFile File, string State)> Files)
{
    /// <summary>Whether every file is present and matches its sha256.</summary>
    public bool Ok => Files.All(f => f.State == "ok");
}

/// <summary>
/// The per-user model cache: the pinned, sha256-checked files the program needs, fetched from the
/// npm registry (the same pinned packages setup uses, through `npm pack`) by `videoaffect models
/// fetch`, never at run time. Where it is: $VIDEOAFFECT_MODEL_DIR (that folder), else
/// $VIDEOAFFECT_HOME/models, else a source checkout's .cache/models, else
/// $XDG_CACHE_HOME/videoaffect/models (~/.cache/videoaffect/models).
/// </summary>
public static class ModelCache
{
    /// <summary>The environment variable for VideoAffect's home; models go to its models folder.</summary>
    public const string HomeVariable = "VIDEOAFFECT_HOME";
    /// <summary>The environment variable naming the model folder itself.</summary>
    public const string DirectoryVariable = "VIDEOAFFECT_MODEL_DIR";

    /// <summary>The FER-2013 emotion classifier every command uses by default.</summary>
    public static readonly PinnedModel Emotion = new("emotion", "FER-2013 emotion classifier (mini-Xception, TF.js graph model)",
        "@vladmandic/human", "3.3.6",
    [
        new(PretrainedModel.JsonFile, "package/models/emotion.json", PretrainedModel.JsonSha256),
        new(PretrainedModel.WeightsFile, "package/models/emotion.bin", PretrainedModel.WeightsSha256),
    ]);

    /// <summary>MediaPipe's BlazeFace face detector (the 256x256 "back" model), as the same package ships it.</summary>
    public static readonly PinnedModel BlazeFace = new("blazeface", "BlazeFace face detector (MediaPipe, 256x256 back model, TF.js graph model)",
        "@vladmandic/human", "3.3.6",
    [
        new("blazeface.json", "package/models/blazeface.json", "cd7bbfc078270572beb39f9e5ae67aadbd50b5e67cff37e6d4f6b3ea39312e5f"),
        new("blazeface.bin", "package/models/blazeface.bin", "dc9a97fdc50bc43216554bdd69aa3e7b9361a519ee7bdd996a2f69a98a6f9b72"),
    ]);

    /// <summary>Every pinned model.</summary>
    public static IReadOnlyList<PinnedModel> Catalog { get; } = [Emotion, BlazeFace];

    /// <summary>
    /// The folder holding <paramref name="model"/>'s files, each checked against its sha256; a
    /// missing or different file is one line naming it and the fix.
    /// </summary>
    public static string Verified(PinnedModel model, string? directory = null)
    {
        var status = Check(model, directory);
        foreach (var (file, state) in status.Files.Where(f => f.State != "ok"))
            throw new ModelFormatException($"the {model.Name} model is not installed ({Path.Combine(status.Directory, file.Name)} {(state == "missing" ? "is missing" : state)}); run `videoaffect models fetch` (in a source checkout, ./setup.sh does it)");
        return status.Directory;
    }

    /// <summary>A pinned model by name; an unknown name is a one-line <see cref="VideoAffectException"/> listing the known ones.</summary>
    public static PinnedModel Find(string name) =>
        Catalog.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new VideoAffectException($"unknown model '{name}'; known: {string.Join(", ", Catalog.Select(m => m.Name))}");

    /// <summary>The cache folder in use (see the class summary for how it is chosen).</summary>
    public static string Directory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } exact) return exact;
        if (Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home) return Path.Combine(home, "models");
        foreach (string start in new[] { AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ".cache", "models");
                if (File.Exists(Path.Combine(candidate, PretrainedModel.JsonFile))) return candidate;
            }
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "videoaffect", "models");
    }

    /// <summary>How each of the model's files stands in <paramref name="directory"/> (default: the cache): ok, missing or altered.</summary>
    public static ModelStatus Check(PinnedModel model, string? directory = null)
    {
        directory ??= Directory();
        return new ModelStatus(model, directory, model.Files.Select(f => (f, StateOf(Path.Combine(directory, f.Name), f.Sha256))).ToList());
    }

    static string StateOf(string path, string sha256)
    {
        if (!File.Exists(path)) return "missing";
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file)) == sha256 ? "ok" : "does not match its pinned sha256";
    }

    /// <summary>
    /// Fetches the model's package from the npm registry with `npm pack`, takes its files out,
    /// checks each against its pinned sha256 and only then moves it into the cache.
    /// </summary>
    public static async Task FetchAsync(PinnedModel model, string directory, Action<string>? log, CancellationToken token)
    {
        string work = System.IO.Directory.CreateTempSubdirectory("videoaffect-fetch-").FullName;
        try
        {
            log?.Invoke($"fetching {model.Package}@{model.Version} from the npm registry");
            string tarball = await NpmPackAsync($"{model.Package}@{model.Version}", work, token);
            var wanted = model.Files.ToDictionary(f => f.PathInPackage);
            await using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            await using (var tar = new TarReader(gzip))
                while (await tar.GetNextEntryAsync(cancellationToken: token) is { } entry)
                    if (wanted.TryGetValue(entry.Name, out var file))
                        await entry.ExtractToFileAsync(Path.Combine(work, file.Name), overwrite: true, token);
            foreach (var file in model.Files)
            {
                string state = StateOf(Path.Combine(work, file.Name), file.Sha256);
                if (state != "ok") throw new VideoAffectException($"{model.Package}@{model.Version}: {file.PathInPackage} {state}; nothing was installed");
            }
            System.IO.Directory.CreateDirectory(directory);
            foreach (var file in model.Files)
                File.Move(Path.Combine(work, file.Name), Path.Combine(directory, file.Name), overwrite: true);
        }
        finally
        {
            try { System.IO.Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    static async Task<string> NpmPackAsync(string package, string folder, CancellationToken token)
    {
        var start = new ProcessStartInfo("npm") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "pack", "--silent", package }) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { throw new VideoAffectException("npm is not installed (Debian: apt install npm); it fetches the model from the npm registry"); }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(token);
            await process.StandardOutput.ReadToEndAsync(token);
            await process.WaitForExitAsync(token);
            if (process.ExitCode != 0)
                throw new VideoAffectException($"npm pack {package} failed: {(await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output"}");
        }
        return System.IO.Directory.GetFiles(folder, "*.tgz").Single();
    }
}
