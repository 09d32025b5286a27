using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Packaging;

/// <summary>
/// The library as a user adds it: `VideoAffect.Core` (and its kernels) packed, and every sample's code
/// built against the package in a project of its own, outside the solution; the stream and the
/// custom-sink samples run on the sample clip's first seconds.
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class LibraryPackageTests
{
    [Fact]
    public Task The_samples_build_against_the_packed_library_and_run() => IdleTime.Run(PackTheLibraryAndBuildAndRunTheSamples);

    /// <summary>The test's work and checks, a job run in the live tests' idle time.</summary>
    internal static void PackTheLibraryAndBuildAndRunTheSamples()
    {
        using var dir = TestPaths.NewTempFolder();
        // A version of this run's own, so that NuGet's package cache never serves an older build of the same number.
        using var version = new TestPackageVersion("videoaffect.core", "videoaffect.kernels");
        foreach (var project in new[] { "kernels/VideoAffect.Kernels/VideoAffect.Kernels.csproj", "src/VideoAffect.Core/VideoAffect.Core.csproj" })
        {
            var pack = ProcessRunner.Run("dotnet", ["pack", Path.Combine(TestPaths.RepoRoot, project), "-c", "Release", "--no-build", "-o", dir.File("pack"),
                $"-p:PackageVersion={version}"], TimeSpan.FromMinutes(3), IdleTime.SdkEnvironment(dir.Path));
            Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        }
        Assert.True(File.Exists(dir.File($"pack/VideoAffect.Core.{version}.nupkg")));

        // Each sample's code in a project of the user's own: the package by version, the local folder as a source.
        foreach (var sample in new[] { "AnalyzeFile", "EmotionStream", "CustomSink" })
            Build(dir, sample, version.ToString());
        var model = new Dictionary<string, string> { ["VIDEOAFFECT_MODEL_DIR"] = TestPaths.ModelDirectory };

        // The sample clip's first 2 s: a real face is all the samples need, and the whole clip cost
        // this job some 45 CPU-s more, in the suite's idle time that the other idle-time jobs share.
        string clip = Clips.SampleStart(dir.File("sample.mp4"), seconds: 2);
        int frames = Clips.CountFrames(clip);
        var stream = ProcessRunner.Run("dotnet", [App(dir, "EmotionStream"), clip], TimeSpan.FromMinutes(3), model);
        Assert.True(stream.ExitCode == 0, stream.StandardError);
        Assert.Contains("happy", stream.StandardOutput);
        Assert.True(stream.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > frames / 3, $"a line per face of the {frames} frames");
        var sink = ProcessRunner.Run("dotnet", [App(dir, "CustomSink"), clip], TimeSpan.FromMinutes(3), model);
        Assert.True(sink.ExitCode == 0, sink.StandardError);
        Assert.Contains("track 1: (new) -> happy", sink.StandardOutput);
        Assert.Contains($"complete: {frames}/{frames} frames", sink.StandardOutput);
    }

    static string App(TempFolder dir, string sample) => dir.File(Path.Combine(sample, "bin", "Release", "net10.0", "App.dll"));

    /// <summary>
    /// The sample as it is in the repository (its own project file, which names the package) in a
    /// folder of its own, with this run's packed version and the local folder as a package source.
    /// </summary>
    static void Build(TempFolder dir, string sample, string version)
    {
        string app = Directory.CreateDirectory(dir.File(sample)).FullName, source = Path.Combine(TestPaths.RepoRoot, "samples", sample);
        string project = File.ReadAllText(Path.Combine(source, $"{sample}.csproj"));
        Assert.Contains("<PackageReference Include=\"VideoAffect.Core\"", project);
        Assert.DoesNotContain("ProjectReference", project);
        File.Copy(Path.Combine(source, "Program.cs"), Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), project);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><add key="local" value="{dir.File("pack")}" /></packageSources></configuration>
            """);
        // Its own folder, away from the repository's Directory.Build.props.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        var build = ProcessRunner.Run("dotnet", ["build", Path.Combine(app, "App.csproj"), "-c", "Release", "--nologo", $"-p:VideoAffectVersion={version}"], TimeSpan.FromMinutes(5), IdleTime.SdkEnvironment(dir.Path));
        Assert.True(build.ExitCode == 0, $"{sample}: {build.StandardOutput}{build.StandardError}");
        Assert.Contains($"VideoAffect.Core/{version}", File.ReadAllText(Path.Combine(app, "obj", "project.assets.json")));
    }

    [Fact]
    public void The_samples_name_the_version_this_repository_packs()
    {
        string props = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props"));
        string version = System.Text.RegularExpressions.Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.NotEmpty(version);
        foreach (var sample in new[] { "AnalyzeFile", "EmotionStream", "CustomSink" })
        {
            string project = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "samples", sample, $"{sample}.csproj"));
            Assert.Contains($">{version}</VideoAffectVersion>", project);
        }
    }
}
