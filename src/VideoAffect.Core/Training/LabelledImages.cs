using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>
/// Gray face images in memory, already normalised as the network's input spec says (the trainable
/// networks' is x / 127.5 - 1, made by the same <see cref="Preprocessing.FacePreprocessor"/> as the
/// pipeline's), each with its label and the split it came from
/// (Training, PublicTest, PrivateTest, ...).
/// </summary>
internal sealed class LabelledImages
{
    readonly float[] _pixels;
    readonly int[] _labels;
    readonly string[] _groups;

    public LabelledImages(TensorShape shape, float[] pixels, int[] labels, string[] groups)
    {
        if (pixels.Length != labels.Length * shape.Size || groups.Length != labels.Length)
            throw new ArgumentException($"{labels.Length} images of {shape} need {labels.Length * shape.Size} pixels and as many groups");
        Shape = shape; _pixels = pixels; _labels = labels; _groups = groups;
    }

    public TensorShape Shape { get; }
    public int Count => _labels.Length;
    public ReadOnlySpan<float> Pixels(int item) => _pixels.AsSpan(item * Shape.Size, Shape.Size);
    public int Label(int item) => _labels[item];
    public string Group(int item) => _groups[item];
    public IEnumerable<string> Groups => _groups.Distinct();

    public LabelledImages Subset(IReadOnlyList<int> items)
    {
        var pixels = new float[items.Count * Shape.Size];
        for (int i = 0; i < items.Count; i++) Pixels(items[i]).CopyTo(pixels.AsSpan(i * Shape.Size));
        return new LabelledImages(Shape, pixels, items.Select(i => _labels[i]).ToArray(), items.Select(i => _groups[i]).ToArray());
    }

    public LabelledImages InGroup(string group) => Subset(Enumerable.Range(0, Count).Where(i => _groups[i] == group).ToArray());

    /// <summary>
    /// A seeded split into training and validation items, stratified by label so a small class
    /// (FER-2013's disgust) is represented in both.
    /// </summary>
    public (LabelledImages Training, LabelledImages? Validation) SplitValidation(double fraction, int seed)
    {
        if (fraction <= 0) return (this, null);
        var random = new Random(seed);
        var validation = new List<int>();
        var training = new List<int>();
        foreach (var byLabel in Enumerable.Range(0, Count).GroupBy(i => _labels[i]).OrderBy(g => g.Key))
        {
            var items = byLabel.ToArray();
            random.Shuffle(items);
            int take = (int)Math.Round(items.Length * fraction);
            validation.AddRange(items.Take(take));
            training.AddRange(items.Skip(take));
        }
        training.Sort();
        validation.Sort();
        return (Subset(training), validation.Count > 0 ? Subset(validation) : null);
    }
}
