using System.CommandLine;
using VideoAffect.Cli.Commands;

namespace VideoAffect.Cli;

public static class Program
{
    // Ctrl-C and SIGTERM are handled by CommandRunner, which waits for the run to wind down.
    // System.CommandLine's own handler would kill the process after a short grace period,
    // before a monitor has finalised its recordings.
    public static async Task<int> Main(string[] args)
    {
        // Standard output that fails once its reader has gone (`... | head`), which .NET's own hides.
        Console.SetOut(VideoAffect.Outputs.StandardOutput.Writer());
        // Standard error as a log that a hung-up terminal cannot turn into a crash.
        Console.SetError(VideoAffect.Outputs.StandardError.Writer());
        var root = Build();
        try { args = ConfigFile.Expand(root, args); } // monitor/node --config: the file's options become tokens
        catch (VideoAffectException e)
        {
            Console.Error.WriteLine($"videoaffect: {e.Message}");
            return CommandRunner.BadInput;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0) return UsageErrors.Report(parse);
        // ffmpeg children out of the terminal's Ctrl-C, and their pipes in a folder of our own.
        VideoAffect.Media.FfmpegProcesses.Isolate();
        // Every command runs in CommandRunner, which turns its failures into one line and an exit code;
        // what runs outside one (--help, --version) gets the same here instead of System.CommandLine's
        // default handler, which printed a stack trace when `videoaffect --help | head` closed the pipe.
        try { return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }); }
        catch (Exception e) when (VideoAffect.Outputs.StandardOutput.Closed(e))
        {
            return CommandRunner.OutputClosed; // its reader took what it wanted, as `git --help | head` does: nothing to say
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"videoaffect: error: unexpected failure: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return 1;
        }
        finally { VideoAffect.Media.FfmpegProcesses.Release(); }
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("""
            VideoAffect: find faces in video and recognise their emotion (FER-2013 classes).
            Exit codes: 0 done; 1 an unexpected failure, or a monitored stream that failed; 2 bad usage or bad input
            (one line on stderr says which); 130 stopped by Ctrl-C, SIGTERM or SIGHUP (outputs kept under their .partial names;
            Ctrl-C again while it winds down stops it at once);
            141 stopped because the program reading standard output or the events pipe closed it (`--events - | head`; outputs as for 130).
            """);
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(MonitorCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(ClusterCommand.Create());
        UsageErrors.RejectUnknownOptions(root);
        UsageErrors.RejectEmptyValues(root);
        UsageErrors.RejectNonFiniteNumbers(root);
        return root;
    }
}
