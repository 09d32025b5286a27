using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoAffect.Media;

/// <summary>
/// A numbered image sequence given as a printf pattern, `frames/img%05d.png`, as ffmpeg's image2
/// reader takes it: the frames of a clip exported by an editor or a camera, or a dataset shipped
/// as frames. ffmpeg reads it at 25 frames per second, starting at the first of the numbers 0 to 4
/// that exists (its own rule), and stops at the first gap; this class finds the files the pattern
/// names, so that no output can be one of them, and gives the sequence a name for its outputs.
/// </summary>
internal static partial class ImageSequence
{
    /// <summary>One %d or %0Nd in the file name (not in the folders above it).</summary>
    [GeneratedRegex(@"%(0?[1-9]\d*)?d")]
    private static partial Regex NumberSpec();

    /// <summary>
    /// Whether the input is a sequence pattern rather than a file: not a URL, not an existing file,
    /// and its file name holds exactly one %d or %0Nd.
    /// </summary>
    public static bool IsPattern(string input) =>
        !MediaLocation.IsUrl(input) && !File.Exists(input) && NumberSpec().Matches(Path.GetFileName(input)).Count == 1;

    /// <summary>The frame files of the pattern that exist, in number order (all of them, gaps or not: none may be written over).</summary>
    public static IReadOnlyList<string> Files(string pattern)
    {
        var (folder, regex, width) = Parts(pattern);
        if (!Directory.Exists(folder)) return [];
        var files = new List<(long Number, string File)>();
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            // Only names printf would write: 0007 for %04d, not 007 nor 00007; 7 for %d, not 07.
            var match = regex.Match(Path.GetFileName(file));
            if (match.Success && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)
                && match.Groups[1].Value == n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'))
                files.Add((n, file));
        }
        return files.OrderBy(f => f.Number).Select(f => f.File).ToList();
    }

    /// <summary>The number ffmpeg starts at (the first of 0 to 4 whose file exists), or null when none does.</summary>
    public static int? Start(string pattern)
    {
        for (int n = 0; n <= 4; n++)
            if (File.Exists(FileOf(pattern, n))) return n;
        return null;
    }

    /// <summary>The file that stands for number <paramref name="n"/>, as printf writes it.</summary>
    public static string FileOf(string pattern, long n)
    {
        string folder = Path.GetDirectoryName(pattern) ?? "";
        string name = NumberSpec().Replace(Path.GetFileName(pattern), m =>
            n.ToString(CultureInfo.InvariantCulture).PadLeft(m.Groups[1].Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0, '0'), 1);
        return Path.Combine(folder, name);
    }

    /// <summary>A name for the sequence's outputs: the file name around the number (img for img%05d.png), else its folder's name.</summary>
    public static string Name(string pattern)
    {
        string name = NumberSpec().Replace(Path.GetFileNameWithoutExtension(pattern), "").Trim(' ', '-', '_', '.');
        if (name.Length > 0) return name;
        string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(pattern)) ?? "");
        return folder.Length > 0 ? folder : "frames";
    }

    static (string Folder, Regex Regex, int Width) Parts(string pattern)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(pattern))!;
        string name = Path.GetFileName(pattern);
        var spec = NumberSpec().Match(name);
        int width = spec.Groups[1].Success ? int.Parse(spec.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var regex = new Regex("^" + Regex.Escape(name[..spec.Index]) + @"(\d+)" + Regex.Escape(name[(spec.Index + spec.Length)..]) + "$", RegexOptions.CultureInvariant);
        return (folder, regex, width);
    }
}
