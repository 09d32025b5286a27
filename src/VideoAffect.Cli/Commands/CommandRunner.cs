namespace VideoAffect.Cli.Commands;

/// <summary>
/// Runs a command body and turns every failure into one line on stderr and an exit code:
/// 2 for bad input or setup (VideoAffectException), 130 when cancelled, 141 when standard output's
/// reader went away, 1 for anything unexpected.
/// Stack traces are printed only with VIDEOAFFECT_DEBUG=1. Ctrl-C and SIGTERM cancel the body and
/// the process waits for it to wind down, so outputs are always finalised; a second Ctrl-C during
/// that wind-down stops the process at once.
/// </summary>
static partial class CommandRunner
{
    public const int BadInput = 2;
    public const int Cancelled = 130;
    /// <summary>128 + SIGPIPE: what a shell shows for a filter whose reader went away (`| head`).</summary>
    public const int OutputClosed = 141;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken commandToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(commandToken);
        void Stop(System.Runtime.InteropServices.PosixSignalContext signal)
        {
            signal.Cancel = true; // stop in order instead of dying
            // Cancellation callbacks run here, on the signal's thread; one that fails (FFMpegCore's
            // "q" to an ffmpeg that has just exited: a broken pipe) must not take the process down
            // before the run has wound down and closed its outputs.
            try { stop.CancelQuietly(); }
            catch (ObjectDisposedException) { }
        }
        int interrupts = 0;
        void Interrupt(System.Runtime.InteropServices.PosixSignalContext signal)
        {
            // Ctrl-C again while the first is still winding the run down (a broker that does not
            // answer, a camera's ffmpeg that hangs): stop at once, as a terminal's user means it.
            // Nothing finished is lost: outputs get their final names only when a run completes,
            // so what was being written stays under its .partial name, and ffmpeg's children,
            // their pipes closed, end on their own (an encoder closes its file).
            if (Interlocked.Increment(ref interrupts) > 1 && stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("videoaffect: stopped at once (Ctrl-C again); what was being written stays under its .partial name");
                ExitNow(Cancelled);
            }
            Stop(signal);
        }
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Interrupt);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        // A closed terminal (an ssh connection dropped, a terminal window closed) sends SIGHUP,
        // whose default ended the process on the spot: no summary, lock files left behind.
        using var hangUp = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, Stop);
        var token = stop.Token;
        try
        {
            return await body(token);
        }
        catch (VideoAffectException e) when (Outputs.StandardOutput.Closed(e))
        {
            // What was done is kept as Ctrl-C keeps it; the message says where (analyze's names its .partial files).
            Console.Error.WriteLine($"videoaffect: {e.Message}");
            return OutputClosed;
        }
        catch (VideoAffectException e)
        {
            Fail(e.Message, e);
            return BadInput;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Console.Error.WriteLine("videoaffect: cancelled");
            return Cancelled;
        }
        catch (Exception e)
        {
            Fail($"unexpected failure: {e.GetType().Name}: {e.Message.Split('\n')[0]}", e);
            return 1;
        }
    }

    /// <summary>Ends the process on the spot: no handler, no finalizer, nothing that could wait (libc's _exit).</summary>
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    static void Fail(string message, Exception e)
    {
        // One line per problem (several missing packages are several lines, each on its own).
        foreach (var line in message.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Console.Error.WriteLine($"videoaffect: error: {line}");
        if (Environment.GetEnvironmentVariable("VIDEOAFFECT_DEBUG") == "1") Console.Error.WriteLine(e);
    }
}
