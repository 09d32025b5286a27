namespace VideoAffect.Tests.Support;

/// <summary>Where the checkout, the setup-installed data and the built CLI are.</summary>
static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VideoAffect.sln"))) return dir.FullName;
        throw new InvalidOperationException("tests must run inside the VideoAffect checkout");
    }

    /// <summary>A photo that ./setup.sh extracted from Debian's python3-skimage package.</summary>
    public static string Photo(string name) => Existing(Path.Combine(RepoRoot, ".cache", "data", name));

    public static string ModelDirectory => Path.Combine(RepoRoot, ".cache", "models");

    public static string SampleClip => Existing(Path.Combine(RepoRoot, ".cache", "samples", "sample.mp4"));

    /// <summary>The CLI as `dotnet publish` gives it (precompiled), which building the tests publishes into cli/ beside them.</summary>
    public static string CliAssembly { get; } = Path.Combine(AppContext.BaseDirectory, "cli", "videoaffect.dll") is var path && File.Exists(path)
        ? path : throw new FileNotFoundException($"{path} is missing: build the tests (./test.sh does), which publishes the CLI there");

    /// <summary>
    /// The ffprobe the tests read files with: the static build ./setup.sh installs on x86-64 (it starts
    /// in under 0.01 CPU-s, Debian's in ~0.1, and the tests ask ~500 times), else the one on PATH.
    /// The product under test always runs Debian's. Looked up when used, so that a missing file fails
    /// only the tests that read with it.
    /// </summary>
    public static string Ffprobe => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64
        ? Existing(Path.Combine(RepoRoot, ".cache", "tools", "ffprobe")) : "ffprobe";

    /// <summary>
    /// What <see cref="Ffprobe"/> runs with. A statically linked glibc loads the system's character-set
    /// modules for iconv, built for another glibc: the static ffprobe crashed (SIGSEGV) on every MPEG-TS
    /// file, whose demuxer opens iconv for DVB names. With no module folder, iconv has only its
    /// built-in sets (UTF-8, ASCII), which is all those names need.
    /// </summary>
    public static IDictionary<string, string> FfprobeEnvironment { get; } = new Dictionary<string, string> { ["GCONV_PATH"] = "/nonexistent" };

    static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run ./setup.sh (./test.sh does)");

    /// <summary>A fresh folder under the system temp folder, deleted by the test's Dispose.</summary>
    public static TempFolder NewTempFolder() => new();
}

sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "videoaffect-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
