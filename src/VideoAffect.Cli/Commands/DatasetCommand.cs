using System.CommandLine;
using VideoAffect.Training;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect dataset prepare fer2013.csv OUT/`: the seed's dataset_prepare step.</summary>
static class DatasetCommand
{
    public static Command Create()
    {
        var csv = new Argument<string>("csv") { Description = "Kaggle's fer2013.csv (emotion,pixels,Usage)" };
        var output = new Argument<string>("output") { Description = "folder for train/LABEL/*.png and test/LABEL/*.png" };
        var strict = new Option<bool>("--strict") { Description = "reject the whole file if any row is malformed (default: skip such rows and list them)" };
        var prepare = new Command("prepare", "convert the FER-2013 CSV into folders of 48x48 PNGs by split and label");
        prepare.Arguments.Add(csv);
        prepare.Arguments.Add(output);
        prepare.Options.Add(strict);
        prepare.SetAction((r, token) => CommandRunner.RunAsync(ct =>
        {
            // The CSV itself given as the folder, or a folder that cannot be made, is one line (before a row is read, where it can be told).
            string folder = r.GetValue(output)!;
            Outputs.OutputFolder.Check(folder, "dataset folder");
            PrepareResult result;
            try { result = DatasetPreparer.Prepare(r.GetValue(csv)!, folder, r.GetValue(strict), m => Console.Error.WriteLine(m), ct); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && Names(e, folder))
            {
                throw new VideoAffectException($"cannot write the dataset folder '{folder}': {(e is UnauthorizedAccessException ? "permission denied" : e.Message.Split('\n')[0].Trim())}");
            }
            // Nothing to train on is bad input, as `train` and `evaluate` say of such a file, not a success.
            if (result.Written == 0)
                throw new VideoAffectException($"'{r.GetValue(csv)}' holds no faces to write ({DatasetReader.MalformedRows(result.Problems.Count)} skipped)");
            Console.WriteLine($"wrote {result.Written} faces ({string.Join(", ", result.PerSplit.Select(kv => $"{kv.Key} {kv.Value}"))}); " +
                $"{DatasetReader.MalformedRows(result.Problems.Count)} skipped");
            return Task.FromResult(0);
        }, token));
        var command = new Command("dataset", "prepare training data");
        command.Subcommands.Add(prepare);
        return command;
    }

    /// <summary>Whether a failure is about the output folder (not the CSV being read).</summary>
    static bool Names(Exception e, string folder) =>
        e.Message.Contains(folder, StringComparison.Ordinal) || e.Message.Contains(Path.GetFullPath(folder), StringComparison.Ordinal);
}
