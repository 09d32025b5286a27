using System.Diagnostics;

namespace VideoAffect.Tests.Support;

/// <summary>Runs a real child process with a hard timeout, so a hang fails the test instead of stalling it.</summary>
static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError, bool TimedOut);

    public static Result Run(string file, IEnumerable<string> arguments, TimeSpan timeout, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        ProcessLog.Started(process, start);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(IdleTimeClasses.HangGuard(timeout));
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result(exited ? process.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }

    /// <summary>The videoaffect CLI, as a user runs it (in <paramref name="workingDirectory"/>, for relative names).</summary>
    public static Result Cli(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int timeoutSeconds = 120, string? workingDirectory = null) =>
        Run("dotnet", new[] { TestPaths.CliAssembly }.Concat(arguments), TimeSpan.FromSeconds(timeoutSeconds), environment, workingDirectory);

    /// <summary>ffmpeg/ffprobe (the tests' own, <see cref="TestPaths.Ffprobe"/>); throws with their error output if they fail.</summary>
    public static string Tool(string tool, params string[] arguments)
    {
        var r = tool == "ffprobe"
            ? Run(TestPaths.Ffprobe, arguments, TimeSpan.FromSeconds(120), TestPaths.FfprobeEnvironment)
            : Run(tool, arguments, TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {r.StandardError}");
        return r.StandardOutput;
    }
}
