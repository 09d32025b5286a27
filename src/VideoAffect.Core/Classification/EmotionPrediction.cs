namespace VideoAffect.Classification;

/// <summary>Class probabilities for one face, with the winning label.</summary>
public sealed class EmotionPrediction
{
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

    public IReadOnlyList<string> Labels { get; }
    public float[] Probabilities { get; }
    public int LabelIndex { get; }
    public string Label => Labels[LabelIndex];
    public float Confidence => Probabilities[LabelIndex];
}
