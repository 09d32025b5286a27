using System.CommandLine;
using System.Diagnostics;
using VideoAffect.Model;
using VideoAffect.Training;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect train DATA -o MODEL.vamodel`: the seed paper's CNN trained on FER-2013 with our kernels.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "fer2013.csv, or a folder from `dataset prepare` (train/LABEL/*.png); only the Training split is used" };
        var output = new Option<string>("--output", "-o") { Description = "checkpoint written after every epoch and on stop (also a usable --model)", Required = true };
        var resume = new Option<string?>("--resume") { Description = "continue from this checkpoint (same data, batch size and validation fraction)" };
        var epochs = new Option<int>("--epochs") { Description = "total epochs (the seed trains 50)", DefaultValueFactory = _ => 50 };
        var batch = new Option<int>("--batch-size") { Description = "faces per mini-batch (the seed's 64)", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's learning rate (the seed's 1e-4)", DefaultValueFactory = _ => 1e-4 };
        var decay = new Option<double>("--decay") { Description = "learning-rate decay per step, Keras style (the seed's 1e-6)", DefaultValueFactory = _ => 1e-6 };
        var validation = new Option<double>("--validation-fraction") { Description = "share of the Training split held out for per-epoch validation (0: none)", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<int>("--seed") { Description = "seeds the initial weights, the validation split, the shuffles and dropout", DefaultValueFactory = _ => 1 };
        var backend = SharedOptions.Backend();
        backend.Description = "where training runs: auto (CUDA, then an OpenCL GPU, else cpu), cuda, opencl, cpu (managed SIMD), ilgpu-cpu (our kernels on ILGPU's CPU simulator: slow)";

        var command = new Command("train", "train the seed paper's CNN (48x48, ~2.35 M parameters) on FER-2013");
        command.Arguments.Add(data);
        foreach (var o in new Option[] { output, resume, epochs, batch, rate, decay, validation, seed, backend }) command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(cancel =>
        {
            var adam = new AdamSettings(r.GetValue(rate), r.GetValue(decay));
            if (r.GetValue(epochs) < 1) throw new VideoAffectException("--epochs must be at least 1");
            if (r.GetValue(batch) < 1) throw new VideoAffectException("--batch-size must be at least 1");
            if (!(adam.LearningRate > 0) || adam.Decay < 0) throw new VideoAffectException("--learning-rate must be positive and --decay not negative");
            double fraction = r.GetValue(validation);
            if (fraction is < 0 or >= 1) throw new VideoAffectException("--validation-fraction must be in [0, 1)");
            string outputPath = r.GetValue(output)!;
            string? resumePath = r.GetValue(resume);

            // The data and a checkpoint resumed from elsewhere are inputs; resuming in place is the normal way to continue.
            bool resumeInPlace = resumePath is not null && Outputs.FileFacts.Canonical(resumePath) == Outputs.FileFacts.Canonical(outputPath);
            using var outputs = new Outputs.OutputSet([r.GetValue(data), resumeInPlace ? null : resumePath]);
            var checkpointOut = outputs.Add(outputPath, "checkpoint");
            var bestOut = outputs.Add(BestPath(outputPath), "best-validation model");
            if (checkpointOut.Discarded || bestOut.Discarded) throw new VideoAffectException("train needs a file to write its checkpoint to (--output)");
            if (resumePath is null && File.Exists(outputPath))
                throw new VideoAffectException($"'{outputPath}' already exists; pass --resume {outputPath} to continue it, or choose another --output");
            outputs.Claim();
            var (network, checkpoint) = resumePath is null ? (SeedNetwork.Create(r.GetValue(seed)), null) : ModelFile.Load(resumePath);
            if (resumePath is not null && checkpoint is null)
                throw new VideoAffectException($"'{resumePath}' is a model without training state; only checkpoints written by `train` can be resumed");
            int runSeed = checkpoint?.State.Seed ?? r.GetValue(seed);

            // The device first: a wrong backend fails before minutes of loading.
            using var engine = TrainingEngineFactory.Create(r.GetValue(backend)!, network, r.GetValue(batch));
            var clock = Stopwatch.StartNew();
            var all = DatasetReader.Read(r.GetValue(data)!, network.Input, m => Console.Error.WriteLine(m));
            string group = all.Groups.Contains(DatasetReader.Training) ? DatasetReader.Training : all.Groups.Contains("Images") ? "Images" : "";
            if (group == "") throw new VideoAffectException($"'{r.GetValue(data)}' has no training faces (no Training rows or train/ folder)");
            var (training, held) = all.InGroup(group).SplitValidation(fraction, runSeed);
            Console.Error.WriteLine($"loaded {training.Count} training and {held?.Count ?? 0} validation faces in {clock.Elapsed.TotalSeconds:F1} s");

            Console.Error.WriteLine($"training on {engine.Name} ({engine.DeviceName}), {SeedNetwork.ParameterCount(network):N0} parameters");
            var progress = Stopwatch.StartNew();
            var trainer = new Trainer(engine, new TrainOptions
            {
                Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), Adam = adam, Seed = runSeed,
                Checkpoint = checkpointOut.Final, BestModel = bestOut.Final,
            }, m => Console.WriteLine(m))
            {
                BatchDone = (epoch, b, batches, loss, accuracy) =>
                {
                    if (progress.Elapsed.TotalSeconds < 30 || b == batches) return;
                    progress.Restart();
                    Console.Error.WriteLine($"  epoch {epoch} batch {b}/{batches}: loss {loss:F4} accuracy {accuracy:P1}");
                },
            };
            var result = trainer.Run(training, held, checkpoint, cancel);
            if (result.Stopped) return Task.FromResult(CommandRunner.Cancelled);
            Console.WriteLine($"saved {outputPath}" + (held is null ? "" : $" and the best-validation model {BestPath(outputPath)}"));
            return Task.FromResult(0);
        }, token));
        return command;
    }

    /// <summary>model.vamodel -> model.best.vamodel</summary>
    public static string BestPath(string output) =>
        Path.Combine(Path.GetDirectoryName(output) ?? "", Path.GetFileNameWithoutExtension(output) + ".best" + ModelFile.Extension);
}
