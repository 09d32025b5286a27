using System.CommandLine;
using VideoAffect.Cli.Commands;

namespace VideoAffect.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => Build().Parse(args).InvokeAsync();

    public static RootCommand Build()
    {
        var root = new RootCommand("VideoAffect: find faces in video and recognise their emotion (FER-2013 classes).");
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(MonitorCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
