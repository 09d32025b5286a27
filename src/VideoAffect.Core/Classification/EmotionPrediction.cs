namespace VideoAffect.Classification;

/// <summary>Class probabilities for one face, with the winning label.</summary>
public sealed class EmotionPrediction
{
    /// <summary>One probability per label, in the model's label order.</summary>
    public EmotionPrediction(IReadOnlyList<string> labels, float[] probabilities)
    {
        if (labels.Count != probabilities.Length) throw new ArgumentException("one probability per label");
        Labels = labels;
        Probabilities = probabilities;
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
            if (probabilities[i] > probabilities[best]) best = i;
        LabelIndex = best;
    }

    /// <summary>The model's labels, in output order.</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>One probability per label (summing to 1).</summary>
    public float[] Probabilities { get; }
    /// <summary>Index of the most probable label.</summary>
    public int LabelIndex { get; }
    /// <summary>The most probable label.</summary>
    public string Label => Labels[LabelIndex];
    /// <summary>The most probable label's probability.</summary>
    public float Confidence => Probabilities[LabelIndex];
}
