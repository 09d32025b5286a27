using OpenCvSharp;
using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>What `dataset prepare` wrote and skipped.</summary>
internal sealed record PrepareResult(int Written, IReadOnlyDictionary<string, int> PerSplit, IReadOnlyList<Fer2013Problem> Problems);

/// <summary>
/// The seed's dataset_prepare step: fer2013.csv into OUT/train/LABEL/*.png and OUT/test/LABEL/*.png
/// (Training to train; PublicTest and PrivateTest to test, as the seed does, with the split in the
/// file name, public-LINE.png or private-LINE.png, so evaluation can still tell them apart).
/// Malformed rows are skipped and listed, or, with <c>strict</c>, stop the run before anything is written.
/// Cancellation (Ctrl-C) stops between rows.
/// </summary>
internal static class DatasetPreparer
{
    public static PrepareResult Prepare(string csvPath, string outputDirectory, bool strict, Action<string>? log = null, CancellationToken token = default)
    {
        var problems = new List<Fer2013Problem>();
        if (strict)
        {
            // Read everything first: a strict run writes nothing from a file it rejects.
            foreach (var _ in Fer2013Csv.Read(csvPath, problems)) { }
            if (problems.Count > 0)
                throw new VideoAffectException($"'{csvPath}' line {problems[0].Line}: {problems[0].Reason} ({DatasetReader.MalformedRows(problems.Count)}; without --strict they are skipped)");
        }
        var perSplit = new Dictionary<string, int>();
        int written = 0;
        foreach (var sample in Fer2013Csv.Read(csvPath, strict ? new List<Fer2013Problem>() : problems))
        {
            token.ThrowIfCancellationRequested(); // between rows: every PNG written is whole
            string split = sample.Usage == "Training" ? "train" : "test";
            string prefix = sample.Usage switch { "PublicTest" => "public-", "PrivateTest" => "private-", _ => "" };
            string folder = Path.Combine(outputDirectory, split, EmotionLabels.Fer2013[sample.Label]);
            Directory.CreateDirectory(folder);
            using var image = Mat.FromPixelData(Fer2013Csv.Side, Fer2013Csv.Side, MatType.CV_8UC1, sample.Pixels);
            string file = Path.Combine(folder, $"{prefix}{sample.Line:D6}.png");
            if (!Cv2.ImWrite(file, image)) throw new VideoAffectException($"cannot write '{file}'");
            perSplit[sample.Usage] = perSplit.GetValueOrDefault(sample.Usage) + 1;
            written++;
        }
        foreach (var p in problems.Take(20)) log?.Invoke($"line {p.Line}: {p.Reason}; skipped");
        if (problems.Count > 20) log?.Invoke($"... and {problems.Count - 20} more malformed row{(problems.Count == 21 ? "" : "s")} skipped");
        return new PrepareResult(written, perSplit, problems);
    }
}
