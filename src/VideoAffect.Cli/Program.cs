using System.CommandLine;
using VideoAffect.Cli.Commands;

namespace VideoAffect.Cli;

public static class Program
{
    // Ctrl-C and SIGTERM are handled by CommandRunner, which waits for the run to wind down.
    // System.CommandLine's own handler would kill the process after a short grace period,
    // before a monitor has finalised its recordings.
    public static Task<int> Main(string[] args) =>
        Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

    public static RootCommand Build()
    {
        var root = new RootCommand("VideoAffect: find faces in video and recognise their emotion (FER-2013 classes).");
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(MonitorCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        return root;
    }
}
