using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>`videoaffect models`: a per-user cache of pinned, sha256-checked model files, fetched from the npm registry.</summary>
public class ModelCacheTests
{
    static Dictionary<string, string> Home(TempFolder home) => new() { ["VIDEOAFFECT_HOME"] = home.Path };

    [Fact]
    public void Verify_finds_an_altered_file_and_says_what_to_run()
    {
        using var home = TestPaths.NewTempFolder();
        string models = Directory.CreateDirectory(Path.Combine(home.Path, "models")).FullName;
        foreach (var file in new[] { "emotion.json", "emotion.bin", "blazeface.json", "blazeface.bin" })
            File.Copy(Path.Combine(TestPaths.ModelDirectory, file), Path.Combine(models, file));
        var intact = ProcessRunner.Cli(["models", "verify"], Home(home));
        Assert.True(intact.ExitCode == 0, intact.StandardError);
        Assert.Contains($"emotion: FER-2013 emotion classifier (mini-Xception, TF.js graph model), from @vladmandic/human@3.3.6; intact in {models}", intact.StandardOutput);
        Assert.Contains($"blazeface: BlazeFace face detector (MediaPipe, 256x256 back model, TF.js graph model), from @vladmandic/human@3.3.6; intact in {models}", intact.StandardOutput);

        var weights = File.ReadAllBytes(Path.Combine(models, "emotion.bin"));
        weights[^1] ^= 0x01;
        File.WriteAllBytes(Path.Combine(models, "emotion.bin"), weights);
        var altered = ProcessRunner.Cli(["models", "verify"], Home(home));
        Assert.Equal(1, altered.ExitCode);
        Assert.Contains("emotion.bin: does not match its pinned sha256", altered.StandardOutput);
        Assert.Equal($"videoaffect: error: model 'emotion' is not intact in {models}; run `videoaffect models fetch emotion`", altered.StandardError.Trim());
        // The program itself refuses the altered file with the same advice.
        var classify = ProcessRunner.Cli(["classify", TestPaths.Photo("astronaut.png")], Home(home));
        Assert.Equal(2, classify.ExitCode);
        Assert.Contains("run `videoaffect models fetch`", classify.StandardError);
    }

    [Fact]
    public void Fetch_fills_an_empty_cache_from_the_npm_registry_and_the_program_then_runs()
    {
        using var home = TestPaths.NewTempFolder();
        var missing = ProcessRunner.Cli(["models", "list"], Home(home));
        Assert.Contains("emotion.json: missing", missing.StandardOutput);
        Assert.Contains(Path.Combine(home.Path, "models"), missing.StandardOutput);

        var fetch = ProcessRunner.Cli(["models", "fetch"], Home(home), timeoutSeconds: 300);
        Assert.True(fetch.ExitCode == 0, fetch.StandardError);
        Assert.Contains("intact", fetch.StandardOutput);
        foreach (var file in new[] { "emotion.json", "emotion.bin", "blazeface.json", "blazeface.bin" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(TestPaths.ModelDirectory, file)), File.ReadAllBytes(Path.Combine(home.Path, "models", file)));

        var again = ProcessRunner.Cli(["models", "fetch"], Home(home));
        Assert.Contains("emotion: already intact", again.StandardOutput);
        var classify = ProcessRunner.Cli(["classify", "--json", TestPaths.Photo("astronaut.png")], Home(home));
        Assert.True(classify.ExitCode == 0, classify.StandardError);
        Assert.Contains("\"happy\"", classify.StandardOutput);
    }
}
