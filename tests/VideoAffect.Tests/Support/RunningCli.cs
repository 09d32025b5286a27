using System.Diagnostics;

namespace VideoAffect.Tests.Support;

/// <summary>The CLI running in the background, for tests that signal it or talk to it while it works.</summary>
sealed class RunningCli : IDisposable
{
    readonly Process _process;
    readonly List<string> _stderr = new();
    readonly Task<string> _stdout;

    /// <param name="ownProcessGroup">start it as a terminal starts a foreground job: leading a process
    /// group of its own (setsid), so that <see cref="InterruptGroup"/> reaches it and its children alike</param>
    /// <param name="environment">variables set for it on top of this process's</param>
    /// <param name="outputReadUpToOneLine">read standard output up to its first line and close it, as `| head -1` does</param>
    public RunningCli(IEnumerable<string> arguments, bool ownProcessGroup = false, IReadOnlyDictionary<string, string>? environment = null, bool outputReadUpToOneLine = false)
    {
        var start = new ProcessStartInfo(ownProcessGroup ? "setsid" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        // A terminal's foreground job gets SIGINT and SIGHUP at their defaults; a test run started
        // under nohup or in the background would hand them down ignored, and a Ctrl-C test would
        // then test nothing but that (the CLI keeps an inherited "ignore", as it should).
        if (ownProcessGroup) start.ArgumentList.Add("/usr/bin/python3");
        if (ownProcessGroup) foreach (var a in DefaultSignals) start.ArgumentList.Add(a);
        if (ownProcessGroup) start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(TestPaths.CliAssembly);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        ProcessLog.Started(_process, start);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.Add(e.Data); };
        _process.BeginErrorReadLine();
        _stdout = outputReadUpToOneLine ? FirstLineThenCloseAsync() : _process.StandardOutput.ReadToEndAsync();
    }

    async Task<string> FirstLineThenCloseAsync()
    {
        string? line = await _process.StandardOutput.ReadLineAsync();
        _process.StandardOutput.Close(); // the pipe's only reader gone: the command's next write fails
        return line is null ? "" : line + "\n";
    }

    /// <summary>python3 -c: SIGINT and SIGHUP back to their defaults, then the command (exec: the same process, so its pid stays the group's).</summary>
    static readonly string[] DefaultSignals = ["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGHUP, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"];

    public int Id => _process.Id;
    public string StandardError { get { lock (_stderr) return string.Join('\n', _stderr); } }

    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!StandardError.Contains(text))
        {
            Assert.False(_process.HasExited, $"the command exited early: {StandardError}");
            Assert.True(clock.Elapsed < timeout, $"no '{text}' within {timeout.TotalSeconds} s: {StandardError}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit.</summary>
    public (int ExitCode, string Output) Terminate(TimeSpan timeout)
    {
        ProcessRunner.Run("kill", ["-TERM", Id.ToString()], TimeSpan.FromSeconds(5));
        return WaitForExit(timeout, "SIGTERM");
    }

    /// <summary>Ctrl-C as a terminal sends it: SIGINT to every process of the foreground group.</summary>
    public (int ExitCode, string Output) InterruptGroup(TimeSpan timeout)
    {
        ProcessRunner.Run("kill", ["-INT", "--", $"-{Id}"], TimeSpan.FromSeconds(5));
        return WaitForExit(timeout, "Ctrl-C to the process group");
    }

    public (int ExitCode, string Output) WaitForExit(TimeSpan timeout, string after = "its start")
    {
        bool exited = _process.WaitForExit(timeout);
        if (!exited) _process.Kill(entireProcessTree: true);
        Assert.True(exited, $"the command did not stop within {timeout.TotalSeconds} s of {after}: {StandardError}");
        // The timed wait returns at the exit, before the last stderr lines have been handed over;
        // this one waits for the end of the redirected streams too.
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
