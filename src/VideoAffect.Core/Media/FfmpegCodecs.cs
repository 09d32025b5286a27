using System.Diagnostics;
using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// Which codecs this machine's ffmpeg can decode (`ffmpeg -codecs`, asked once): a stream that
/// carries a track it cannot decode beside its video (a camera's rare sound codec) must not have
/// that track mapped, or the whole decoder fails, frames and all.
/// </summary>
internal static class FfmpegCodecs
{
    static readonly Lazy<HashSet<string>> Decodable = new(ReadDecodable);

    /// <summary>Whether ffmpeg has a decoder for the codec ffprobe names (codec_name); false for none or an unknown one.</summary>
    public static bool CanDecode(string? codec) => codec is { Length: > 0 } && Decodable.Value.Contains(codec);

    static HashSet<string> ReadDecodable()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var start = new ProcessStartInfo(GlobalFFOptions.GetFFMpegBinaryPath(), ["-hide_banner", "-codecs"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            _ = process.StandardError.ReadToEndAsync();
            bool listed = false;
            // " DEAIL. aac   AAC (Advanced Audio Coding) ...": flags, then the codec's name; after the "-------" line.
            while (process.StandardOutput.ReadLine() is { } line)
            {
                var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                if (!listed) { listed = fields is ["-------", ..]; continue; }
                if (fields is [{ Length: 6 } flags, var name, ..] && flags[0] == 'D') names.Add(name);
            }
            process.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception) { } // no ffmpeg: said by whatever runs it next
        return names;
    }
}
