using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// The CLI started with a standard stream closed, as a service manager, cron or a careless script may
/// start it (`&lt;&amp;-`, `&gt;&amp;-`, `2&gt;&amp;-`). Before 0.29.1 a closed stderr turned the first error
/// line into a crash (SIGABRT, exit 134), a closed stdout made every command an "unexpected failure",
/// and `analyze -`, `classify -` and `monitor pi=-` with a closed stdin waited for ever on a pipe of
/// the runtime's own, which took descriptor 0.
/// </summary>
public class ClosedStandardStreamsTests
{
    static ProcessRunner.Result Shell(string command, string? workingDirectory = null) =>
        ProcessRunner.Run("bash", ["-c", command], TimeSpan.FromSeconds(90), workingDirectory: workingDirectory);

    /// <summary>The CLI under a 60 s limit, so that a wait for ever shows as timeout's exit code 124.</summary>
    static string Cli => $"timeout 60 dotnet '{TestPaths.CliAssembly}'";

    [Fact]
    public void A_closed_stderr_loses_the_error_line_but_not_the_exit_code()
    {
        var r = Shell($"{Cli} analyze /nonexistent/clip.mp4 2>&-");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void A_closed_stdout_loses_the_results_but_the_command_completes()
    {
        var r = Shell($"{Cli} classify '{TestPaths.Photo("astronaut.png")}' --backend cpu >&-");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StandardError}");
        Assert.Equal("", r.StandardError.Trim());
    }

    [Theory]
    [InlineData("analyze - -o out.mp4", "'-' is a video on standard input, which is closed; pipe one in (yt-dlp -o - URL | videoaffect analyze -)")]
    [InlineData("classify -", "'-' is an image on standard input, which is closed; pipe one in (curl -s URL | videoaffect classify -)")]
    [InlineData("monitor pi=-", "'-' is a stream on standard input, which is closed; pipe one in (libcamera-vid -t 0 -o - | videoaffect monitor pi=-)")]
    public void Standard_input_closed_is_said_at_once_not_waited_on(string arguments, string message)
    {
        using var dir = TestPaths.NewTempFolder();
        var r = Shell($"{Cli} {arguments} --backend cpu <&-", dir.Path);
        Assert.Equal(2, r.ExitCode); // timeout's 124 had it waited
        Assert.Equal($"videoaffect: error: {message}", r.StandardError.Trim());
    }

    /// <summary>A pipe still open at both ends elsewhere is standard input as ever: the check looks only for our own writing end.</summary>
    [Fact]
    public void A_pipe_from_another_program_is_read_as_before()
    {
        var r = Shell($"cat '{TestPaths.Photo("astronaut.png")}' | {Cli} classify - --backend cpu");
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.StartsWith("-: 1 face(s)", r.StandardOutput);
    }
}
