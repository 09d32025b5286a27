namespace VideoAffect.Model;

/// <summary>One finished epoch's figures.</summary>
internal sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy, double Seconds);

/// <summary>
/// Where a training run stands, saved in every checkpoint so a run can resume exactly: the epoch
/// and batch reached, the Adam step count, the settings that must not change on resume, the
/// running sums of the unfinished epoch and the history of finished ones.
/// </summary>
internal sealed record TrainingState
{
    public int CompletedEpochs { get; init; }
    /// <summary>Batches of epoch <see cref="CompletedEpochs"/> + 1 already trained (a checkpoint taken when a run was stopped).</summary>
    public int BatchesIntoEpoch { get; init; }
    public long Steps { get; init; }
    public int Seed { get; init; }
    public int BatchSize { get; init; }
    public int TrainingItems { get; init; }
    public int ValidationItems { get; init; }
    public double EpochLossSum { get; init; }
    public int EpochCorrect { get; init; }
    public int EpochSeen { get; init; }
    public double EpochSeconds { get; init; }
    public double BestValidationAccuracy { get; init; } = -1;
    public List<EpochMetrics> History { get; init; } = [];
}

/// <summary>Adam's moment estimates, two arrays (weights, bias) per parameter layer.</summary>
internal sealed record AdamMoments(float[][] Mean, float[][] Variance);

/// <summary>A model file's optional training part: the state and Adam's moments. It lives with the file format (Model), which Training uses, not the other way round.</summary>
internal sealed record TrainingCheckpoint(TrainingState State, AdamMoments Moments);
