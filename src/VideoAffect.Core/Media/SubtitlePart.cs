using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// A text subtitle track cut to the part a run analyses (--start, --end) and timed from the part's
/// start, as its annotated video is. ffmpeg 5.1 cannot do this itself: after a seek it gives
/// Matroska's subtitles wrong times (one line after another from 0), and with the offset our
/// encoder's inputs take it writes lines that began before the part at 0, one after the other. So
/// the track is read whole by ffmpeg as styled text (ASS, which every text format converts to, to
/// the hundredth of a second), and its lines are cut and moved here: a line that began before the
/// part starts with it, one that ends after it ends with it, and those outside are left out.
/// </summary>
internal static partial class SubtitlePart
{
    /// <summary>Writes <paramref name="track"/> of <paramref name="source"/>, cut to [<paramref name="from"/>, <paramref name="to"/>) source seconds, as an ASS file at <paramref name="destination"/>.</summary>
    public static async Task WriteAsync(string source, SubtitleTrack track, double from, double to, string destination)
    {
        // Read whole at the source's own times (-copyts: a part's times are the source's), then cut in place.
        var result = await FFMpegArguments
            .FromFileInput(FfmpegPath.Escape(source), verifyExists: false, o => o.WithCustomArgument(MediaLocation.InputOptions(source)))
            .OutputToFile(FfmpegPath.Escape(destination), overwrite: true, o => o
                .WithCustomArgument($"-copyts -map 0:s:{track.Number.ToString(CultureInfo.InvariantCulture)} -c:s ass")
                .ForceFormat("ass"))
            .WithLogLevel(FFMpegCore.Enums.FFMpegLogLevel.Error)
            .RunAsync();
        if (!result.Success)
            throw new VideoAffectException($"reading {track.Shown} of '{MediaLocation.Shown(source)}' failed ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
        await File.WriteAllTextAsync(destination, Cut(await File.ReadAllTextAsync(destination), from, to), new UTF8Encoding(false));
    }

    /// <summary>
    /// The ASS script with its lines cut to [<paramref name="from"/>, <paramref name="to"/>) and
    /// timed from <paramref name="from"/>; its header (styles, play size) as it was.
    /// </summary>
    public static string Cut(string ass, double from, double to)
    {
        var lines = new List<string>();
        foreach (string line in ass.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            var match = Dialogue().Match(trimmed);
            if (!match.Success) { lines.Add(trimmed); continue; }
            double start = Seconds(match.Groups["start"].Value), end = Seconds(match.Groups["end"].Value);
            if (end <= from || start >= to) continue;
            double newStart = Math.Max(start, from) - from, newEnd = Math.Min(end, to) - from;
            lines.Add(match.Groups["head"].Value + Time(newStart) + "," + Time(newEnd) + match.Groups["rest"].Value);
        }
        return string.Join('\n', lines);
    }

    /// <summary>An event line: "Dialogue: LAYER,START,END,..." with ASS's H:MM:SS.CC times.</summary>
    [GeneratedRegex(@"^(?<head>Dialogue:\s*[^,]*,)(?<start>\d+:\d{2}:\d{2}\.\d{2}),(?<end>\d+:\d{2}:\d{2}\.\d{2})(?<rest>,.*)$")]
    private static partial Regex Dialogue();

    static double Seconds(string time)
    {
        var parts = time.Split(':');
        return int.Parse(parts[0], CultureInfo.InvariantCulture) * 3600 + int.Parse(parts[1], CultureInfo.InvariantCulture) * 60
            + double.Parse(parts[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Seconds as ASS writes them, to the hundredth.</summary>
    static string Time(double seconds)
    {
        long hundredths = (long)Math.Round(seconds * 100);
        return string.Create(CultureInfo.InvariantCulture, $"{hundredths / 360000}:{hundredths / 6000 % 60:00}:{hundredths / 100 % 60:00}.{hundredths % 100:00}");
    }
}
