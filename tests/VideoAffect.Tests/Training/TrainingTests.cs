using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Tests.Support;
using VideoAffect.Training;
using VideoAffect.Training.Cpu;
using Xunit;
using Xunit.Abstractions;

namespace VideoAffect.Tests.Training;

/// <summary>The training loop end to end, through the API, on images the test generates.</summary>
[Collection(Support.KernelSimulationCollection.Name)]
public sealed class TrainingTests(ITestOutputHelper output)
{
    const int Side = 24;

    static LabelledImages Images(int perClass, int seed)
    {
        var shapes = new SyntheticShapes(Side, seed);
        var pixels = new List<float>();
        var labels = new List<int>();
        for (int i = 0; i < perClass; i++)
            for (int label = 0; label < SyntheticShapes.Classes; label++)
            {
                pixels.AddRange(shapes.Draw(label).Select(v => InputSpec.SignedUnit(new TensorShape(1, 1, 1), PixelOrder.Gray).Normalise(v)));
                labels.Add(label);
            }
        return new LabelledImages(new TensorShape(Side, Side, 1), pixels.ToArray(), labels.ToArray(), labels.Select(_ => "Training").ToArray());
    }

    /// <summary>The seed network's pattern (conv, conv, pool, dropout, ..., dense, dropout, dense) at a test's size.</summary>
    static Network SmallNetwork(int seed) =>
        new SequentialBuilder(new TensorShape(Side, Side, 1), seed)
            .Conv2D(8, 3).Conv2D(8, 3).MaxPool(2).Dropout(0.25f)
            .Conv2D(16, 3).MaxPool(2).Dropout(0.25f)
            .Dense(32).Dropout(0.5f)
            .Dense(SyntheticShapes.Classes, relu: false).Softmax()
            .Build(EmotionLabels.Fer2013, "small test network");

    static TrainOptions Options(string checkpoint, int epochs) => new()
    {
        Epochs = epochs, BatchSize = 32, Adam = new AdamSettings(LearningRate: 2e-3, Decay: 0), Seed = 5, Checkpoint = checkpoint,
    };

    [Fact]
    public void A_learnable_7_class_set_reaches_90_percent_on_held_out_images_within_20_epochs()
    {
        using var dir = TestPaths.NewTempFolder();
        var training = Images(60, seed: 1);
        var heldOut = Images(30, seed: 2);
        var network = SmallNetwork(3);
        using var engine = new ManagedTrainingEngine(network, 32);
        var log = new List<string>();
        var trainer = new Trainer(engine, Options(dir.File("m.vamodel"), 20), log.Add);
        var (_, before) = trainer.Evaluate(heldOut);
        var result = trainer.Run(training, heldOut, null, CancellationToken.None);
        foreach (var line in log) output.WriteLine(line);
        var last = result.State.History[^1];
        Assert.InRange(before, 0, 0.4); // chance level before training: the test can fail
        Assert.True(last.ValidationAccuracy >= 0.9, $"held-out accuracy {last.ValidationAccuracy:P1} after {result.State.Steps} steps");
        Assert.Equal(20 * (420 / 32 + 1), result.State.Steps);
        Assert.True(last.TrainLoss < result.State.History[0].TrainLoss);

        // The saved checkpoint is the trained network: the inference backend on it scores the same.
        var (saved, checkpoint) = ModelFile.Load(dir.File("m.vamodel"));
        Assert.NotNull(checkpoint);
        using var backend = BackendFactory.Create("cpu", saved, 64);
        var evaluation = Evaluator.Evaluate(backend, heldOut, "held out");
        Assert.Equal(last.ValidationAccuracy!.Value, evaluation.Accuracy, tolerance: 1e-6);
    }

    [Fact]
    public void A_run_stopped_mid_epoch_and_resumed_ends_with_exactly_the_weights_of_an_uninterrupted_run()
    {
        using var dir = TestPaths.NewTempFolder();
        var training = Images(12, seed: 7);
        var validation = Images(4, seed: 8);

        var straight = SmallNetwork(4);
        using (var engine = new ManagedTrainingEngine(straight, 32))
            new Trainer(engine, Options(dir.File("straight.vamodel"), 2)).Run(training, validation, null, CancellationToken.None);

        using var stop = new CancellationTokenSource();
        using (var engine = new ManagedTrainingEngine(SmallNetwork(4), 32))
        {
            var trainer = new Trainer(engine, Options(dir.File("stopped.vamodel"), 2))
            {
                BatchDone = (epoch, batch, _, _, _) => { if (epoch == 1 && batch == 1) stop.Cancel(); },
            };
            Assert.True(trainer.Run(training, validation, null, stop.Token).Stopped);
        }
        var (resumed, checkpoint) = ModelFile.Load(dir.File("stopped.vamodel"));
        Assert.Equal((0, 1, 1L), (checkpoint!.State.CompletedEpochs, checkpoint.State.BatchesIntoEpoch, checkpoint.State.Steps));
        using (var engine = new ManagedTrainingEngine(resumed, 32))
        {
            var result = new Trainer(engine, Options(dir.File("stopped.vamodel"), 2)).Run(training, validation, checkpoint, CancellationToken.None);
            Assert.Equal(2, result.State.History.Count);
        }
        var a = straight.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)).ToArray();
        var b = resumed.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights.Concat(c.Bias)).ToArray();
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Inference_backends_run_a_trained_network_with_dropout_as_the_identity(string backend)
    {
        var images = Images(2, seed: 12);
        var network = SmallNetwork(8);
        var inputs = Enumerable.Range(0, images.Count).SelectMany(i => images.Pixels(i).ToArray()).ToArray();
        var labels = Enumerable.Range(0, images.Count).Select(images.Label).ToArray();
        using var engine = new ManagedTrainingEngine(network, images.Count);
        engine.EvaluateBatch(inputs, labels); // dropout off: what inference must compute
        var expected = engine.ReadActivation(network.Layers.Count - 1, images.Count);
        using var inference = BackendFactory.Create(backend, network, images.Count);
        var actual = new float[expected.Length];
        inference.Run(inputs, images.Count, actual);
        Assert.Contains(network.Layers, l => l is DropoutLayer { Rate: 0.5f });
        Assert.True(ReferenceOps.RelativeError(actual, expected.Select(v => (double)v).ToArray()) < 1e-4);
    }

    [Fact]
    public void ILGPU_kernels_and_the_managed_path_take_the_same_training_steps()
    {
        var (moved, apart) = SameStepsAsManaged(network => new IlgpuTrainingEngine(network, IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", 35));
        Assert.True(moved > 1e-3, "training did not move the weights");
        Assert.True(apart < moved * 1e-2, $"the paths differ by {apart:E2} (weights moved {moved:E2})");
    }

    [SkippableTheory]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void GPU_training_takes_the_managed_paths_steps_where_present(string backend)
    {
        GpuGate.RequireDevice(backend);
        var (moved, apart) = SameStepsAsManaged(network => TrainingEngineFactory.Create(backend, network, 35));
        Assert.True(moved > 1e-3, "training did not move the weights");
        Assert.True(apart < moved * 1e-2, $"the paths differ by {apart:E2} (weights moved {moved:E2})");
    }

    /// <summary>Three Adam steps on both paths: the largest weight change, and the largest difference between the paths.</summary>
    (double Moved, double Apart) SameStepsAsManaged(Func<Network, TrainingEngine> create)
    {
        var images = Images(5, seed: 11);
        var managedNetwork = SmallNetwork(6);
        var kernelNetwork = SmallNetwork(6);
        using var managed = new ManagedTrainingEngine(managedNetwork, 35);
        using var kernels = create(kernelNetwork);
        var inputs = Enumerable.Range(0, images.Count).SelectMany(i => images.Pixels(i).ToArray()).ToArray();
        var labels = Enumerable.Range(0, images.Count).Select(images.Label).ToArray();
        var adam = new AdamSettings(LearningRate: 1e-3);
        for (int step = 1; step <= 3; step++)
        {
            var m = managed.TrainBatch(inputs, labels, (uint)step);
            var k = kernels.TrainBatch(inputs, labels, (uint)step);
            for (int i = 0; i < labels.Length; i++) Assert.Equal(m.Losses[i], k.Losses[i], tolerance: 1e-3);
            managed.ApplyAdam(adam.StepFor(step));
            kernels.ApplyAdam(adam.StepFor(step));
        }
        kernels.DownloadParameters();
        var a = managedNetwork.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights).ToArray();
        var b = kernelNetwork.Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights).ToArray();
        var initial = SmallNetwork(6).Layers.OfType<Conv2DLayer>().SelectMany(c => c.Weights).ToArray();
        double moved = a.Zip(initial, (x, y) => Math.Abs(x - y)).Max();
        double apart = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        output.WriteLine($"largest weight change {moved:E2}, largest difference between the paths {apart:E2}");
        return (moved, apart);
    }
}
