namespace VideoAffect.Cli.Commands;

/// <summary>
/// A folder given where files are taken (`analyze recordings/`, `classify photos/`) stands for the
/// files of the kind directly in it, by extension and in ordinal name order, not recursively;
/// our own outputs there (NAME.annotated.*, and .partial files of a run that stopped) are left
/// out, so the same command can be run again on the same folder.
/// </summary>
static partial class FolderInputs
{
    public static readonly string[] VideoExtensions =
        [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".mpg", ".mpeg", ".vob", ".wmv", ".flv", ".3gp", ".ogv", ".mxf", ".dv"];

    /// <summary>Pictures ffmpeg reads too: a numbered run of them may be a clip (<see cref="SequenceHint"/>).</summary>
    static readonly string[] PictureExtensions =
        [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".pgm", ".ppm", ".pnm", ".jp2", ".j2k", ".jpf",
         ".heic", ".heif", ".hif", ".avif", ".jxl", ".psd", ".qoi"];

    /// <summary>Photos classify takes from a folder: those pictures and camera RAWs.</summary>
    public static readonly string[] ImageExtensions = [.. PictureExtensions, .. Classification.CameraRaw.Extensions];

    /// <summary>The inputs with each folder replaced by its files of the kind; a folder without any stays as it is, for the caller to report.</summary>
    /// <param name="also">takes files of other extensions too, by their content (analyze: an animated .webp is a video, a still one is not)</param>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs, IReadOnlyCollection<string> extensions, Func<string, bool>? also = null)
    {
        var expanded = new List<string>();
        foreach (string input in inputs)
        {
            var files = Directory.Exists(input) ? FilesIn(input, extensions, also) : [];
            if (files.Count > 0) expanded.AddRange(files);
            else expanded.Add(input);
        }
        return expanded;
    }

    /// <summary>What to say of a folder that holds no file of the kind (camera RAWs' two dozen extensions said as such).</summary>
    public static string Empty(string folder, string what, IReadOnlyCollection<string> extensions) =>
        $"folder '{folder}' holds no {what} ({string.Join(", ", extensions.Except(Classification.CameraRaw.Extensions))}"
        + (extensions.Intersect(Classification.CameraRaw.Extensions).Any() ? ", and camera RAWs: .dng, .cr3, .nef, .arw, .raf, ...)" : ")");

    /// <summary>
    /// For a folder of numbered images given to analyze: the pattern that reads them as one clip
    /// ("; its images are taken as one clip with 'frames/img%05d.png'"), or nothing.
    /// </summary>
    public static string SequenceHint(string folder)
    {
        var numbered = FilesIn(folder, PictureExtensions).Select(Path.GetFileName).Select(n => LastNumber().Match(n!)).FirstOrDefault(m => m.Success);
        if (numbered is null) return "";
        var digits = numbered.Groups["digits"].Value;
        string spec = digits.Length > 1 && digits[0] == '0' ? $"%0{digits.Length}d" : "%d";
        string pattern = Path.Combine(folder, numbered.Groups["before"].Value + spec + numbered.Groups["after"].Value);
        return $"; numbered images are read as one clip with the pattern '{pattern}' (photos one by one: videoaffect classify)";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<before>.*?)(?<digits>\d+)(?<after>\D*)$")]
    private static partial System.Text.RegularExpressions.Regex LastNumber();

    static List<string> FilesIn(string folder, IReadOnlyCollection<string> extensions, Func<string, bool>? also = null) =>
        Directory.EnumerateFiles(folder)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase) || also?.Invoke(f) == true)
            .Where(f => !Path.GetFileNameWithoutExtension(f).EndsWith(Pipeline.FolderOutputs.Marker, StringComparison.Ordinal)
                && !Path.GetFileNameWithoutExtension(f).EndsWith(".partial", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
}
