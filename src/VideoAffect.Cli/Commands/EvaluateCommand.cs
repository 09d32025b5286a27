using System.CommandLine;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Training;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect evaluate MODEL DATA`: accuracy and confusion matrix per test split.</summary>
static class EvaluateCommand
{
    /// <summary>Kaggle's order: the public test split before the private one.</summary>
    static int SplitOrder(string split) => split switch { "PublicTest" => 0, "PrivateTest" => 1, _ => 2 };

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model from `train` (.vamodel), a TF.js graph model JSON, or 'pretrained'" };
        var data = new Argument<string>("data") { Description = "fer2013.csv or a folder from `dataset prepare`" };
        var output = new Option<string>("--output", "-o") { Description = "folder for confusion-SPLIT.csv", DefaultValueFactory = _ => "evaluation" };
        var splits = new Option<string[]>("--split")
        {
            Description = "splits to evaluate (default: every split but Training, e.g. PublicTest and PrivateTest, each on its own)",
            AllowMultipleArgumentsPerToken = true,
        };
        var backend = SharedOptions.Backend();
        var modelImport = SharedOptions.ModelImport();

        var command = new Command("evaluate", "accuracy and confusion matrix of a model on FER-2013's test splits, each separately");
        command.Arguments.Add(model);
        command.Arguments.Add(data);
        foreach (var o in new Option[] { output, splits, backend }.Concat(modelImport.All)) command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(cancel =>
        {
            string modelPath = r.GetValue(model)!;
            var network = PretrainedModel.Load(modelPath == "pretrained" ? null : modelPath, modelImport.Read(r));
            using var engine = BackendFactory.Create(r.GetValue(backend)!, network, 64);
            var images = DatasetReader.Read(r.GetValue(data)!, network.Input, m => Console.Error.WriteLine(m), network.Labels);
            var wanted = r.GetValue(splits) is { Length: > 0 } chosen ? chosen : images.Groups.Where(g => g != DatasetReader.Training).OrderBy(SplitOrder).ThenBy(g => g, StringComparer.Ordinal).ToArray();
            if (wanted.Length == 0)
                throw new VideoAffectException($"'{r.GetValue(data)}' has only Training faces; pass --split Training to evaluate on those anyway");
            foreach (var split in wanted.Where(s => !images.Groups.Contains(s)))
                throw new VideoAffectException($"'{r.GetValue(data)}' has no {split} faces (it has: {string.Join(", ", images.Groups)})");
            string folder = r.GetValue(output)!;
            try { Directory.CreateDirectory(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new VideoAffectException($"cannot create output folder '{folder}': {e.Message.Split('\n')[0]}");
            }
            using var outputs = new Outputs.OutputSet([modelPath == "pretrained" ? null : modelPath, r.GetValue(data)]);
            var csvs = wanted.ToDictionary(split => split, split => outputs.Add(Path.Combine(folder, $"confusion-{split}.csv"), $"{split} confusion matrix"));
            outputs.Claim();
            foreach (var split in wanted)
            {
                cancel.ThrowIfCancellationRequested();
                var result = Evaluator.Evaluate(engine, images.InGroup(split), split);
                string csv = csvs[split].Given;
                Outputs.OutputSet.WriteWhole(csvs[split], result.ToCsv());
                Console.WriteLine($"{split}: accuracy {result.Accuracy:P2} ({result.Correct} of {result.Count}); confusion matrix in {csv}");
                Console.WriteLine(result.ToTable());
            }
            return Task.FromResult(0);
        }, token));
        return command;
    }
}
