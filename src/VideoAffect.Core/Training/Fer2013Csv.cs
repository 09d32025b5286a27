using System.Globalization;
using VideoAffect.Model;

namespace VideoAffect.Training;

/// <summary>One FER-2013 face: its label index (EmotionLabels order), 48x48 gray pixels, and its split.</summary>
internal sealed record Fer2013Sample(int Line, int Label, byte[] Pixels, string Usage);

/// <summary>A row that could not be read, with the reason.</summary>
internal sealed record Fer2013Problem(int Line, string Reason);

/// <summary>
/// Kaggle's fer2013.csv (header emotion,pixels,Usage; 2304 space-separated gray levels per row;
/// Usage Training, PublicTest or PrivateTest). Every malformed row is reported with its line
/// number; nothing is guessed, so no face can end up with a wrong label.
/// </summary>
internal static class Fer2013Csv
{
    public const int Side = 48;
    public static readonly IReadOnlyList<string> Usages = ["Training", "PublicTest", "PrivateTest"];

    public static IEnumerable<Fer2013Sample> Read(string path, List<Fer2013Problem> problems)
    {
        if (!File.Exists(path)) throw new VideoAffectException($"dataset '{path}' does not exist");
        CheckIsText(path);
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null) throw new VideoAffectException($"'{path}' is empty");
        var columns = header.Trim().Split(',').Select(c => c.Trim().ToLowerInvariant()).ToArray();
        int emotion = Array.IndexOf(columns, "emotion"), pixels = Array.IndexOf(columns, "pixels"), usage = Array.IndexOf(columns, "usage");
        if (emotion < 0 || pixels < 0)
            throw new VideoAffectException($"'{path}' is not the FER-2013 CSV: its header must name emotion and pixels (found '{(header.Length > 80 ? header[..80] + "…" : header)}')");
        int line = 1;
        for (string? row = reader.ReadLine(); row is not null; row = reader.ReadLine())
        {
            line++;
            if (string.IsNullOrWhiteSpace(row)) continue;
            var sample = Parse(row, line, emotion, pixels, usage, columns.Length, out string? problem);
            if (sample is null) problems.Add(new Fer2013Problem(line, problem!));
            else yield return sample;
        }
    }

    /// <summary>
    /// A file that is not text (a video, a zip, a model given by mistake) is said to be so before a
    /// line of it is read: its first "line" could be the whole file, and it would be printed as the header.
    /// The CSV has a line end within its first 4 KiB (the header) and no NUL byte.
    /// </summary>
    static void CheckIsText(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[4096];
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var bytes = head.AsSpan(0, n);
        if (bytes.Contains((byte)0))
        {
            string what = Classification.ImageHeader.VideoContainer(path) is { } video ? $"a video ({video})"
                : bytes.StartsWith("PK\u0003\u0004"u8) ? "a zip archive (unpack it: the CSV is inside)" : "not text";
            throw new VideoAffectException($"'{path}' is not the FER-2013 CSV: it is {what}");
        }
        if (n == head.Length && !bytes.Contains((byte)'\n'))
            throw new VideoAffectException($"'{path}' is not the FER-2013 CSV: its first 4 KiB hold no line end, so no header line");
    }

    static Fer2013Sample? Parse(string row, int line, int emotionColumn, int pixelColumn, int usageColumn, int columnCount, out string? problem)
    {
        problem = null;
        var fields = row.Split(',');
        if (fields.Length != columnCount) { problem = $"{fields.Length} fields, expected {columnCount}"; return null; }
        if (!int.TryParse(fields[emotionColumn].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label >= EmotionLabels.Fer2013.Count)
        {
            problem = $"emotion '{fields[emotionColumn].Trim()}' is not one of 0..{EmotionLabels.Fer2013.Count - 1}";
            return null;
        }
        var values = fields[pixelColumn].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (values.Length != Side * Side) { problem = $"{values.Length} pixels, expected {Side * Side}"; return null; }
        var pixels = new byte[Side * Side];
        for (int i = 0; i < pixels.Length; i++)
            if (!byte.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out pixels[i]))
            {
                problem = $"pixel {i + 1} '{values[i]}' is not a gray level 0..255";
                return null;
            }
        string usage = usageColumn >= 0 ? fields[usageColumn].Trim() : "Training";
        if (!Usages.Contains(usage)) { problem = $"Usage '{usage}' is not one of {string.Join(", ", Usages)}"; return null; }
        return new Fer2013Sample(line, label, pixels, usage);
    }
}
