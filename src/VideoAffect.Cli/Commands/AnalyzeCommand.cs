using System.CommandLine;
namespace VideoAffect.Cli.Commands;
static class AnalyzeCommand { public static Command Create() => new("analyze", "todo"); }
