namespace VideoAffect.Tests.Packaging;

/// <summary>
/// A prerelease version used by one test run only (0.0.0-test.N), and its packages removed from
/// NuGet's global package folder afterwards: a fixed version would be served from that cache,
/// built from older code, to every later run.
/// </summary>
sealed class TestPackageVersion(params string[] packageIds) : IDisposable
{
    readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    public override string ToString() => _version;

    public void Dispose()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in packageIds)
        {
            string folder = Path.Combine(packages, id.ToLowerInvariant(), _version);
            try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
