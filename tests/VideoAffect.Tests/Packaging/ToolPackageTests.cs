using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Packaging;

/// <summary>
/// The CLI as a user gets it without a clone: packed as a .NET tool, installed into a temporary
/// tool path, its model fetched into an empty per-user cache, then run on a photo and a video.
/// </summary>
[Collection(IdleTimeCollection.Name)]
public class ToolPackageTests
{
    [Fact]
    public Task The_packed_tool_installs_fetches_its_model_and_runs_outside_the_checkout() => IdleTime.Run(PackInstallAndRunTheTool);

    /// <summary>The test's work and checks, a job run in the live tests' idle time.</summary>
    internal static void PackInstallAndRunTheTool()
    {
        using var dir = TestPaths.NewTempFolder();
        string project = Path.Combine(TestPaths.RepoRoot, "src", "VideoAffect.Cli", "VideoAffect.Cli.csproj");
        // A version of this run's own, so that NuGet's package cache never serves an older build of the same number.
        using var version = new TestPackageVersion("videoaffect");
        // The suite's own Release build is packed as it is (no second build beside the running tests).
        var pack = ProcessRunner.Run("dotnet", ["pack", project, "-c", "Release", "--no-build", "-o", dir.File("pack"), $"-p:PackageVersion={version}"],
            TimeSpan.FromMinutes(3), IdleTime.SdkEnvironment(dir.Path));
        Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        Assert.True(File.Exists(dir.File($"pack/videoaffect.{version}.nupkg")));
        // Native libraries for Linux x64 only (where OpenCV's runtime is): ImageMagick's, SkiaSharp's
        // and HarfBuzz's for Windows, macOS, musl and ARM would be 99 MB the tool never loads.
        using (var package = System.IO.Compression.ZipFile.OpenRead(dir.File($"pack/videoaffect.{version}.nupkg")))
        {
            var natives = package.Entries.Select(e => e.FullName).Where(n => n.Contains("/runtimes/") && n.Contains("/native/")).ToList();
            Assert.Contains(natives, n => n.EndsWith("/runtimes/linux-x64/native/libOpenCvSharpExtern.so", StringComparison.Ordinal));
            Assert.Contains(natives, n => n.EndsWith("/runtimes/linux-x64/native/Magick.Native-Q8-x64.dll.so", StringComparison.Ordinal));
            Assert.All(natives, n => Assert.Contains("/runtimes/linux-x64/native/", n));
        }

        var install = ProcessRunner.Run("dotnet", ["tool", "install", "videoaffect", "--tool-path", dir.File("tool"), "--add-source", dir.File("pack"), "--version", version.ToString()],
            TimeSpan.FromMinutes(3), IdleTime.SdkEnvironment(dir.Path));
        Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);
        string tool = dir.File(Path.Combine("tool", "videoaffect"));
        // Run from a folder outside the checkout, with an empty per-user cache.
        var home = new Dictionary<string, string> { ["VIDEOAFFECT_HOME"] = dir.File("home") };
        ProcessRunner.Result Run(params string[] args)
        {
            var r = ProcessRunner.Run("sh", ["-c", "cd \"$0\" && exec \"$@\"", dir.Path, tool, .. args], TimeSpan.FromMinutes(5), home);
            Assert.True(r.ExitCode == 0, $"videoaffect {string.Join(' ', args)}: {r.StandardError}");
            return r;
        }

        Assert.Contains("intact", Run("models", "fetch").StandardOutput);
        Assert.Contains("happy", Run("classify", TestPaths.Photo("astronaut.png")).StandardOutput);
        PhotoFiles.Encode(TestPaths.Photo("astronaut.png"), dir.File("astronaut.heic")); // ImageMagick's native library came with the tool
        Assert.Contains("happy", Run("classify", dir.File("astronaut.heic")).StandardOutput);
        // The sample clip's first 2 s (a real face; the whole clip cost this job some 12 CPU-s more).
        string clip = Clips.SampleStart(dir.File("input.mp4"), seconds: 2);
        int frames = Clips.CountFrames(clip);
        Assert.Contains($"complete: {frames}/{frames} frames", Run("analyze", clip, "-o", dir.File("sample.mp4")).StandardOutput);
        Assert.Equal(frames, Clips.CountFrames(dir.File("sample.mp4")));
    }
}
