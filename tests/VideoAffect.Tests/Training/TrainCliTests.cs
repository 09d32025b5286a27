using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Training;

/// <summary>`videoaffect train` as a user runs it: the seed network on a small CSV, checkpoints, resume, stop.</summary>
public class TrainCliTests
{
    [Fact]
    public void Trains_the_seed_network_one_epoch_then_resumes_for_a_second_from_its_checkpoint()
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = Fer2013Files.Synthetic(dir.File("fer.csv"), perClass: 10, seed: 3);
        string model = dir.File("seed.vamodel");
        string[] common = ["--batch-size", "16", "--backend", "cpu", "--validation-fraction", "0.2"];
        var first = ProcessRunner.Cli(["train", csv, "-o", model, "--epochs", "1", .. common], timeoutSeconds: 300);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("loaded 56 training and 14 validation faces", first.StandardError);
        Assert.Contains("skipped 1 malformed row (first: line 72", first.StandardError);
        Assert.Contains("2,345,607 parameters", first.StandardError);
        Assert.Matches(@"epoch 1/1: train loss \d\.\d{4} accuracy [\d.]+ %, validation loss \d\.\d{4} accuracy [\d.]+ %", first.StandardOutput);
        var (network, checkpoint) = ModelFile.Load(model);
        Assert.Equal((1, 0, 4L), (checkpoint!.State.CompletedEpochs, checkpoint.State.BatchesIntoEpoch, checkpoint.State.Steps));
        Assert.Equal(new TensorShape(48, 48, 1), network.InputShape);
        Assert.True(File.Exists(dir.File("seed.best.vamodel")));
        Assert.Null(ModelFile.Load(dir.File("seed.best.vamodel")).Checkpoint);

        var again = ProcessRunner.Cli(["train", csv, "-o", model, "--epochs", "2", .. common]);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"videoaffect: error: '{model}' already exists; pass --resume {model} to continue it, or choose another --output", again.StandardError.Trim());

        var second = ProcessRunner.Cli(["train", csv, "-o", model, "--resume", model, "--epochs", "2", .. common], timeoutSeconds: 300);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.DoesNotContain("epoch 1/2", second.StandardOutput);
        Assert.Contains("epoch 2/2", second.StandardOutput);
        var resumed = ModelFile.Load(model).Checkpoint!;
        Assert.Equal((2, 8L), (resumed.State.CompletedEpochs, resumed.State.Steps));
        Assert.Equal(2, resumed.State.History.Count);
        Assert.True(resumed.Moments.Variance.All(v => v.Any(x => x > 0)), "Adam's moments were not saved");
    }

    [Fact]
    public async Task SIGTERM_saves_a_mid_epoch_checkpoint_that_a_resumed_run_finishes()
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = Fer2013Files.Synthetic(dir.File("fer.csv"), perClass: 60, seed: 4);
        string model = dir.File("seed.vamodel");
        string[] common = ["--batch-size", "8", "--backend", "cpu", "--epochs", "1"];
        using (var cli = new RunningCli(["train", csv, "-o", model, .. common]))
        {
            await cli.WaitForAsync("training on cpu", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2));
            var (code, stdout) = cli.Terminate(TimeSpan.FromSeconds(30));
            Assert.True(code == 130, $"exit {code}: {cli.StandardError}");
            Assert.Contains("stopped in epoch 1 after batch", stdout);
        }
        var stopped = ModelFile.Load(model).Checkpoint!.State;
        Assert.Equal(0, stopped.CompletedEpochs);
        Assert.InRange(stopped.BatchesIntoEpoch, 1, 47); // 378 training faces in batches of 8: 48 per epoch
        Assert.Equal(stopped.BatchesIntoEpoch, stopped.Steps);

        var resumed = ProcessRunner.Cli(["train", csv, "-o", model, "--resume", model, .. common], timeoutSeconds: 300);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains("epoch 1/1", resumed.StandardOutput);
        Assert.Equal(48L, ModelFile.Load(model).Checkpoint!.State.Steps);
    }

    [Fact]
    public void A_diverging_run_stops_with_one_line_and_keeps_the_last_good_checkpoint()
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = Fer2013Files.Synthetic(dir.File("fer.csv"), perClass: 10, seed: 6);
        string model = dir.File("seed.vamodel");
        string[] common = ["--batch-size", "16", "--backend", "cpu", "--validation-fraction", "0.2"];
        var fresh = ProcessRunner.Cli(["train", csv, "-o", dir.File("fresh.vamodel"), "--epochs", "1", "--learning-rate", "1e30", .. common], timeoutSeconds: 300);
        Assert.Equal(2, fresh.ExitCode);
        var error = Assert.Single(fresh.StandardError.Split('\n'), l => l.StartsWith("videoaffect: "));
        Assert.Matches(@"^videoaffect: error: training diverged in epoch 1 at batch \d+ of 4 \(the loss is not a finite number\); no checkpoint had been written yet; try a smaller --learning-rate than 1E\+30$", error);
        Assert.False(File.Exists(dir.File("fresh.vamodel")));

        Assert.Equal(0, ProcessRunner.Cli(["train", csv, "-o", model, "--epochs", "1", .. common], timeoutSeconds: 300).ExitCode);
        byte[] good = File.ReadAllBytes(model);
        var diverged = ProcessRunner.Cli(["train", csv, "-o", model, "--resume", model, "--epochs", "2", "--learning-rate", "1e30", .. common], timeoutSeconds: 300);
        Assert.Equal(2, diverged.ExitCode);
        Assert.Contains($"the last good checkpoint, after epoch 1, is kept in {model}", diverged.StandardError);
        Assert.DoesNotContain("   at ", diverged.StandardError);
        Assert.Equal(good, File.ReadAllBytes(model));
    }

    [Theory]
    [InlineData("missing-data", "dataset 'DIR/none.csv' does not exist")]
    [InlineData("no-gpu", "backend 'cuda': no usable CUDA device (no NVIDIA GPU or driver); use --backend cpu")]
    [InlineData("not-a-checkpoint", "'DIR/plain.vamodel' is a model without training state; only checkpoints written by `train` can be resumed")]
    [InlineData("damaged-checkpoint", "damaged.vamodel is damaged or truncated (checksum mismatch)")]
    [InlineData("no-output-folder", "cannot write checkpoint 'DIR/none/m.vamodel': folder 'DIR/none' does not exist")]
    [InlineData("huge-batch", "--batch-size must be between 1 and 4096 for this model (got 100000)")]
    [InlineData("output-is-data", "checkpoint 'DIR/fer.csv' is the input 'DIR/fer.csv'; choose another path (VideoAffect never overwrites its input)")]
    public void Bad_input_is_a_one_line_error(string kind, string message)
    {
        using var dir = TestPaths.NewTempFolder();
        string csv = Fer2013Files.Synthetic(dir.File("fer.csv"), perClass: 2, seed: 5);
        ModelFile.Save(TestModels.Bands(), dir.File("plain.vamodel"));
        var bytes = File.ReadAllBytes(dir.File("plain.vamodel"));
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(dir.File("damaged.vamodel"), bytes);
        string[] args = kind switch
        {
            "missing-data" => ["train", dir.File("none.csv"), "-o", dir.File("m.vamodel")],
            "no-gpu" when Directory.Exists("/proc/driver/nvidia") => [],
            "no-gpu" => ["train", csv, "-o", dir.File("m.vamodel"), "--backend", "cuda"],
            "no-output-folder" => ["train", csv, "-o", dir.File("none/m.vamodel")],
            "huge-batch" => ["train", csv, "-o", dir.File("m.vamodel"), "--batch-size", "100000", "--backend", "cpu"],
            "output-is-data" => ["train", csv, "-o", csv, "--resume", csv],
            "not-a-checkpoint" => ["train", csv, "-o", dir.File("m.vamodel"), "--resume", dir.File("plain.vamodel")],
            _ => ["train", csv, "-o", dir.File("m.vamodel"), "--resume", dir.File("damaged.vamodel")],
        };
        if (args.Length == 0) return; // a CUDA machine: 'no GPU' cannot be shown there
        var r = ProcessRunner.Cli(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: {message.Replace("DIR", dir.Path)}", r.StandardError.Trim());
    }
}
