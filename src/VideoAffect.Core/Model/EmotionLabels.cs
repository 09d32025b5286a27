namespace VideoAffect.Model;

/// <summary>The seven FER-2013 classes in the order the dataset (and every model trained on it) uses.</summary>
public static class EmotionLabels
{
    /// <summary>FER-2013's seven classes in its label order: angry, disgust, fear, happy, sad, surprise, neutral.</summary>
    public static readonly IReadOnlyList<string> Fer2013 = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

    /// <summary>Other names datasets and models give the same classes (FER+ says happiness, anger, ...).</summary>
    static readonly Dictionary<string, string> Synonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["happiness"] = "happy", ["sadness"] = "sad", ["anger"] = "angry", ["surprised"] = "surprise",
        ["fearful"] = "fear", ["disgusted"] = "disgust",
    };

    static string Canonical(string name) => Synonyms.GetValueOrDefault(name.Trim(), name.Trim()).ToLowerInvariant();

    /// <summary>Where <paramref name="name"/> is in <paramref name="labels"/>, ignoring case and synonyms; -1 where absent.</summary>
    public static int IndexOf(IReadOnlyList<string> labels, string name)
    {
        string wanted = Canonical(name);
        for (int i = 0; i < labels.Count; i++)
            if (Canonical(labels[i]) == wanted) return i;
        return -1;
    }
}
