using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Model;
using VideoAffect.Preprocessing;

namespace VideoAffect.Training;

/// <summary>
/// Loads FER-2013 into memory as network input: Kaggle's CSV (groups Training, PublicTest,
/// PrivateTest) or the folder layout that `dataset prepare` writes (train/LABEL/*.png as Training;
/// test/LABEL/public-*.png and private-*.png as PublicTest and PrivateTest, other test files as
/// Test), or a folder of LABEL/ folders. Images go through the pipeline's own preprocessing
/// (resize to the model's input, its input spec's normalisation), so a model sees in training what it sees in video.
/// </summary>
internal static class DatasetReader
{
    /// <summary>"1 malformed row", "4 malformed rows": the count every dataset message gives.</summary>
    public static string MalformedRows(int count) => count == 1 ? "1 malformed row" : $"{count} malformed rows";

    public const string Training = "Training";

    /// <summary>
    /// Reads labelled faces for a model with <paramref name="labels"/> (FER-2013's when null): folders
    /// are matched to labels by name, and the CSV's FER-2013 class numbers by their names, so a
    /// model with another label set (FER+'s 8) is scored on the classes the two share.
    /// </summary>
    public static LabelledImages Read(string path, InputSpec spec, Action<string>? log = null, IReadOnlyList<string>? labels = null)
    {
        labels ??= EmotionLabels.Fer2013;
        var input = spec.Shape;
        using var preprocessor = new FacePreprocessor(spec);
        var items = new Collector(input);
        if (File.Exists(path)) ReadCsv(path, preprocessor, items, log, labels);
        else if (Directory.Exists(path)) ReadFolders(path, preprocessor, items, log, labels);
        else throw new VideoAffectException($"dataset '{path}' does not exist");
        if (items.Count == 0) throw new VideoAffectException($"dataset '{path}' holds no labelled faces");
        return items.ToImages();
    }

    sealed class Collector(TensorShape shape)
    {
        readonly List<float[]> _pixels = [];
        readonly List<int> _labels = [];
        readonly List<string> _groups = [];
        public int Count => _labels.Count;

        public void Add(Mat gray, int label, string group, FacePreprocessor preprocessor)
        {
            var pixels = new float[shape.Size];
            preprocessor.PrepareWhole(gray, pixels);
            _pixels.Add(pixels); _labels.Add(label); _groups.Add(group);
        }

        public LabelledImages ToImages()
        {
            var all = new float[Count * shape.Size];
            for (int i = 0; i < Count; i++) _pixels[i].CopyTo(all, i * shape.Size);
            return new LabelledImages(shape, all, _labels.ToArray(), _groups.ToArray());
        }
    }

    static void ReadCsv(string path, FacePreprocessor preprocessor, Collector items, Action<string>? log, IReadOnlyList<string> labels)
    {
        var problems = new List<Fer2013Problem>();
        var toModel = EmotionLabels.Fer2013.Select(name => EmotionLabels.IndexOf(labels, name)).ToArray();
        int skipped = 0;
        foreach (var sample in Fer2013Csv.Read(path, problems))
        {
            if (toModel[sample.Label] < 0) { skipped++; continue; }
            using var gray = Mat.FromPixelData(Fer2013Csv.Side, Fer2013Csv.Side, MatType.CV_8UC1, sample.Pixels);
            items.Add(gray, toModel[sample.Label], sample.Usage, preprocessor);
        }
        if (skipped > 0)
            log?.Invoke($"'{path}': skipped {skipped} faces of FER-2013 classes the model does not have ({string.Join(", ", EmotionLabels.Fer2013.Where((_, i) => toModel[i] < 0))})");
        if (problems.Count > 0)
            log?.Invoke($"'{path}': skipped {MalformedRows(problems.Count)} (first: line {problems[0].Line}: {problems[0].Reason})");
    }

    static void ReadFolders(string root, FacePreprocessor preprocessor, Collector items, Action<string>? log, IReadOnlyList<string> labels)
    {
        string train = Path.Combine(root, "train"), test = Path.Combine(root, "test");
        bool layout = Directory.Exists(train) || Directory.Exists(test);
        if (!layout) { ReadLabelFolders(root, _ => "Images", preprocessor, items, log, labels); return; }
        if (Directory.Exists(train)) ReadLabelFolders(train, _ => Training, preprocessor, items, log, labels);
        if (Directory.Exists(test))
            ReadLabelFolders(test, file => Path.GetFileName(file) switch
            {
                var f when f.StartsWith("public-", StringComparison.Ordinal) => "PublicTest",
                var f when f.StartsWith("private-", StringComparison.Ordinal) => "PrivateTest",
                _ => "Test",
            }, preprocessor, items, log, labels);
    }

    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".pgm"];

    static void ReadLabelFolders(string folder, Func<string, string> groupOf, FacePreprocessor preprocessor, Collector items, Action<string>? log, IReadOnlyList<string> labels)
    {
        foreach (string labelFolder in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(labelFolder);
            int label = EmotionLabels.IndexOf(labels, name);
            if (label < 0)
                throw new VideoAffectException($"folder '{labelFolder}' is not one of the labels {string.Join(", ", labels)}");
            foreach (string file in Directory.GetFiles(labelFolder).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
            {
                using var gray = OpenCvImageFile.Read(file, ImreadModes.Grayscale, out string? complaint);
                if (gray.Empty()) throw new VideoAffectException($"'{file}' is not a readable image" + (complaint is null ? "" : $" (its decoder said: {complaint})"));
                if (complaint is not null) log?.Invoke($"'{file}' may be damaged; its decoder said: {complaint}");
                items.Add(gray, label, groupOf(file), preprocessor);
            }
        }
    }
}
