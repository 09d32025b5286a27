using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>
/// The names an analysis run's outputs take in a folder: for talk.mkv (or a URL ending in
/// talk.mkv), talk.annotated.mp4 with talk.annotated.jsonl and talk.annotated.summary.json beside
/// it. One rule for `analyze ... -o FOLDER/` and the cluster's jobs, so both write the same files;
/// the ".annotated" keeps an output from ever being named as its input, and lets a folder of
/// videos be given again without its outputs being taken for inputs (see the CLI's FolderInputs).
/// </summary>
internal static class FolderOutputs
{
    public const string Marker = ".annotated";

    /// <summary>The outputs' common name: the input's name without its extension, then <see cref="Marker"/>.</summary>
    public static string Stem(string input) => MediaLocation.NameOf(input) + Marker;

    /// <summary>The annotated video, records and summary of <paramref name="input"/> in <paramref name="folder"/>.</summary>
    public static (string Video, string Events, string Summary) In(string folder, string input)
    {
        string stem = Path.Combine(folder, Stem(input));
        return (stem + ".mp4", stem + ".jsonl", stem + ".summary.json");
    }
}
