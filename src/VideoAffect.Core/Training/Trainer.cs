using System.Diagnostics;
using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>What a training run is asked to do.</summary>
internal sealed record TrainOptions
{
    public int Epochs { get; init; } = 50;
    public int BatchSize { get; init; } = 64;
    public AdamSettings Adam { get; init; } = new();
    public int Seed { get; init; } = 1;
    /// <summary>The checkpoint written after every epoch and when a run is stopped (resumable).</summary>
    public required string Checkpoint { get; init; }
    /// <summary>The model with the best validation accuracy so far (no optimizer state), if wanted.</summary>
    public string? BestModel { get; init; }
}

/// <summary>How a run ended.</summary>
internal sealed record TrainResult(TrainingState State, bool Stopped);

/// <summary>
/// Mini-batch training with per-epoch shuffling, validation and checkpoints. Shuffles are seeded
/// per epoch and dropout masks per step, so a run resumed from a checkpoint (even one taken in the
/// middle of an epoch) sees the same batches it would have seen without the stop.
/// </summary>
internal sealed class Trainer(TrainingEngine engine, TrainOptions options, Action<string>? log = null)
{
    /// <summary>Called after every batch with (epoch, batch, batches in epoch, running loss, running accuracy).</summary>
    public Action<int, int, int, double, double>? BatchDone { get; init; }

    public TrainResult Run(LabelledImages training, LabelledImages? validation, TrainingCheckpoint? resume, CancellationToken cancel)
    {
        if (options.BatchSize != engine.MaxBatch) throw new ArgumentException("the engine must be built for the run's batch size");
        var state = resume?.State ?? new TrainingState
        {
            Seed = options.Seed, BatchSize = options.BatchSize,
            TrainingItems = training.Count, ValidationItems = validation?.Count ?? 0,
        };
        if (resume is not null)
        {
            CheckResumable(resume.State, training, validation);
            engine.WriteMoments(resume.Moments);
        }
        var inputs = new float[options.BatchSize * training.Shape.Size];
        var labels = new int[options.BatchSize];
        int batches = (training.Count + options.BatchSize - 1) / options.BatchSize;
        for (int epoch = state.CompletedEpochs + 1; epoch <= options.Epochs; epoch++)
        {
            var order = Shuffled(training.Count, state.Seed, epoch);
            var clock = Stopwatch.StartNew();
            for (int b = state.BatchesIntoEpoch; b < batches; b++)
            {
                if (cancel.IsCancellationRequested)
                {
                    state = state with { BatchesIntoEpoch = b, EpochSeconds = state.EpochSeconds + clock.Elapsed.TotalSeconds };
                    Save(options.Checkpoint, state);
                    log?.Invoke($"stopped in epoch {epoch} after batch {b} of {batches}; checkpoint saved to {options.Checkpoint}");
                    return new TrainResult(state, Stopped: true);
                }
                int count = Math.Min(options.BatchSize, training.Count - b * options.BatchSize);
                for (int i = 0; i < count; i++)
                {
                    int item = order[b * options.BatchSize + i];
                    training.Pixels(item).CopyTo(inputs.AsSpan(i * training.Shape.Size));
                    labels[i] = training.Label(item);
                }
                long step = state.Steps + 1;
                var outcome = engine.TrainBatch(inputs.AsSpan(0, count * training.Shape.Size), labels.AsSpan(0, count), StepSeed(state.Seed, step));
                if (!double.IsFinite(outcome.LossSum)) throw Diverged(state, epoch, b + 1, batches);
                engine.ApplyAdam(options.Adam.StepFor(step));
                state = state with
                {
                    Steps = step,
                    EpochLossSum = state.EpochLossSum + outcome.LossSum,
                    EpochCorrect = state.EpochCorrect + outcome.Correct(labels.AsSpan(0, count)),
                    EpochSeen = state.EpochSeen + count,
                };
                BatchDone?.Invoke(epoch, b + 1, batches, state.EpochLossSum / state.EpochSeen, (double)state.EpochCorrect / state.EpochSeen);
            }
            var (valLoss, valAccuracy) = validation is null ? ((double?)null, (double?)null) : Evaluate(validation);
            if (valLoss is { } v && !double.IsFinite(v)) throw Diverged(state, epoch, batches, batches);
            var metrics = new EpochMetrics(epoch, state.EpochLossSum / state.EpochSeen, (double)state.EpochCorrect / state.EpochSeen,
                valLoss, valAccuracy, state.EpochSeconds + clock.Elapsed.TotalSeconds);
            bool best = valAccuracy is { } accuracy && accuracy > state.BestValidationAccuracy;
            state = state with
            {
                CompletedEpochs = epoch, BatchesIntoEpoch = 0, EpochLossSum = 0, EpochCorrect = 0, EpochSeen = 0, EpochSeconds = 0,
                BestValidationAccuracy = best ? valAccuracy!.Value : state.BestValidationAccuracy,
                History = [.. state.History, metrics],
            };
            log?.Invoke(Describe(metrics, options.Epochs));
            engine.DownloadParameters();
            if (!Finite(engine.Network)) throw Diverged(state, epoch, batches, batches);
            Save(options.Checkpoint, state);
            if (best && options.BestModel is not null) ModelFile.Save(engine.Network, options.BestModel);
        }
        return new TrainResult(state, Stopped: false);
    }

    /// <summary>
    /// The loss became NaN or infinite: the weights are lost, so nothing more is saved over the last
    /// good checkpoint (the one written after the last whole epoch), and the run stops with the fix.
    /// </summary>
    VideoAffectException Diverged(TrainingState state, int epoch, int batch, int batches)
    {
        string kept = state.CompletedEpochs > 0 && File.Exists(options.Checkpoint)
            ? $"the last good checkpoint, after epoch {state.CompletedEpochs}, is kept in {options.Checkpoint}"
            : "no checkpoint had been written yet";
        return new VideoAffectException($"training diverged in epoch {epoch} at batch {batch} of {batches} (the loss is not a finite number); {kept}; try a smaller --learning-rate than {options.Adam.LearningRate:G3}");
    }

    public static string Describe(EpochMetrics m, int epochs) =>
        $"epoch {m.Epoch}/{epochs}: train loss {m.TrainLoss:F4} accuracy {m.TrainAccuracy:P1}" +
        (m.ValidationLoss is { } vl ? $", validation loss {vl:F4} accuracy {m.ValidationAccuracy:P1}" : "") + $" ({m.Seconds:F1} s)";

    /// <summary>Mean loss and accuracy with dropout off.</summary>
    public (double Loss, double Accuracy) Evaluate(LabelledImages images)
    {
        var inputs = new float[engine.MaxBatch * images.Shape.Size];
        var labels = new int[engine.MaxBatch];
        double loss = 0;
        int correct = 0;
        for (int start = 0; start < images.Count; start += engine.MaxBatch)
        {
            int count = Math.Min(engine.MaxBatch, images.Count - start);
            for (int i = 0; i < count; i++)
            {
                images.Pixels(start + i).CopyTo(inputs.AsSpan(i * images.Shape.Size));
                labels[i] = images.Label(start + i);
            }
            var outcome = engine.EvaluateBatch(inputs.AsSpan(0, count * images.Shape.Size), labels.AsSpan(0, count));
            loss += outcome.LossSum;
            correct += outcome.Correct(labels.AsSpan(0, count));
        }
        return (loss / images.Count, (double)correct / images.Count);
    }

    static bool Finite(Network network) =>
        network.Layers.OfType<Conv2DLayer>().All(l => l.Weights.All(float.IsFinite) && l.Bias.All(float.IsFinite));

    void Save(string path, TrainingState state)
    {
        engine.DownloadParameters();
        ModelFile.Save(engine.Network, path, new TrainingCheckpoint(state, engine.ReadMoments()));
    }

    void CheckResumable(TrainingState saved, LabelledImages training, LabelledImages? validation)
    {
        if (saved.BatchSize != options.BatchSize)
            throw new VideoAffectException($"the checkpoint was trained with batch size {saved.BatchSize}, not {options.BatchSize}; resume with --batch-size {saved.BatchSize}");
        if (saved.TrainingItems != training.Count || saved.ValidationItems != (validation?.Count ?? 0))
            throw new VideoAffectException($"the checkpoint was trained on {saved.TrainingItems} training and {saved.ValidationItems} validation faces, " +
                $"this data gives {training.Count} and {validation?.Count ?? 0}; resume with the same data and --validation-fraction");
        if (saved.CompletedEpochs >= options.Epochs)
            log?.Invoke($"the checkpoint has already trained {saved.CompletedEpochs} epochs; nothing to do for --epochs {options.Epochs}");
    }

    static int[] Shuffled(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random((int)Mix((ulong)(uint)seed << 32 | (uint)epoch)).Shuffle(order);
        return order;
    }

    static uint StepSeed(int seed, long step) => (uint)Mix((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)step);

    /// <summary>SplitMix64's finaliser: a fixed mix (HashCode is randomised per process, which would break resuming).</summary>
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
