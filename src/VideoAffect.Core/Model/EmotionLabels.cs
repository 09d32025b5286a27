namespace VideoAffect.Model;

/// <summary>The seven FER-2013 classes in the order the dataset (and every model trained on it) uses.</summary>
public static class EmotionLabels
{
    public static readonly IReadOnlyList<string> Fer2013 = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
}
