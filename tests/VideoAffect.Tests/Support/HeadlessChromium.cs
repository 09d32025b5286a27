namespace VideoAffect.Tests.Support;

/// <summary>Debian's chromium, headless and kept off the network this machine does not have (installed by ./setup.sh).</summary>
static class HeadlessChromium
{
    static string[] Flags(string profile, int width, int height) =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", $"--window-size={width},{height}", "--timeout=4000"];

    /// <summary>A screenshot of the page at that window size; fails the test with Chromium's errors when none is made.</summary>
    public static string Screenshot(string url, string path, int width, int height, string profile)
    {
        var shot = ProcessRunner.Run("chromium", [.. Flags(profile, width, height), $"--screenshot={path}", url], TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(path), $"no screenshot: {shot.StandardError}");
        return shot.StandardError;
    }

    /// <summary>The page's DOM after its scripts ran.</summary>
    public static string Dom(string url, string profile) =>
        ProcessRunner.Run("chromium", [.. Flags(profile, 900, 700), "--dump-dom", url], TimeSpan.FromSeconds(60)).StandardOutput;
}
