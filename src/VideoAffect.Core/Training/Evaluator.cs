using System.Globalization;
using System.Text;
using VideoAffect.Inference;

namespace VideoAffect.Training;

/// <summary>Accuracy and the confusion matrix (rows: true label, columns: predicted) of one split.</summary>
internal sealed record SplitEvaluation(string Split, IReadOnlyList<string> Labels, int[,] Confusion)
{
    public int Count => Enumerable.Range(0, Labels.Count).Sum(a => Enumerable.Range(0, Labels.Count).Sum(p => Confusion[a, p]));
    public int Correct => Enumerable.Range(0, Labels.Count).Sum(a => Confusion[a, a]);
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>CSV with a header row of predicted labels and one row per true label.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("actual\\predicted," + string.Join(",", Labels) + "\n");
        for (int a = 0; a < Labels.Count; a++)
            csv.Append(Labels[a]).Append(',').AppendJoin(",", Enumerable.Range(0, Labels.Count).Select(p => Confusion[a, p].ToString(CultureInfo.InvariantCulture))).Append('\n');
        return csv.ToString();
    }

    /// <summary>The matrix as an aligned text table for the console.</summary>
    public string ToTable()
    {
        int width = Math.Max(8, Labels.Max(l => l.Length) + 1);
        var text = new StringBuilder("actual \\ predicted".PadRight(width + 10));
        foreach (var l in Labels) text.Append(l.PadLeft(width));
        text.Append('\n');
        for (int a = 0; a < Labels.Count; a++)
        {
            text.Append(Labels[a].PadRight(width + 10));
            for (int p = 0; p < Labels.Count; p++) text.Append(Confusion[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            text.Append('\n');
        }
        return text.ToString();
    }
}

/// <summary>
/// Runs a model over labelled faces through the inference backends (the same code that serves
/// video) and counts its answers per split; it never feeds anything back into training.
/// </summary>
internal static class Evaluator
{
    public static SplitEvaluation Evaluate(IInferenceBackend backend, LabelledImages images, string split)
    {
        int classes = backend.Network.ClassCount, size = images.Shape.Size;
        if (images.Shape != backend.Network.InputShape)
            throw new ArgumentException($"images are {images.Shape}, the model takes {backend.Network.InputShape}");
        var confusion = new int[classes, classes];
        const int chunk = 256;
        var inputs = new float[chunk * size];
        var probabilities = new float[chunk * classes];
        for (int start = 0; start < images.Count; start += chunk)
        {
            int count = Math.Min(chunk, images.Count - start);
            for (int i = 0; i < count; i++) images.Pixels(start + i).CopyTo(inputs.AsSpan(i * size));
            backend.Run(inputs.AsSpan(0, count * size), count, probabilities);
            for (int i = 0; i < count; i++)
            {
                var row = probabilities.AsSpan(i * classes, classes);
                int predicted = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[predicted]) predicted = c;
                confusion[images.Label(start + i), predicted]++;
            }
        }
        return new SplitEvaluation(split, backend.Network.Labels, confusion);
    }
}
