using System.Globalization;
using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>Reads a file's video properties and frame timestamps with ffprobe (through FFMpegCore).</summary>
public static class VideoProbe
{
    public static async Task<VideoInfo> ProbeAsync(string path, CancellationToken token)
    {
        if (!File.Exists(path)) throw new VideoAffectException($"input '{path}' does not exist");
        if (new FileInfo(path).Length == 0) throw new VideoAffectException($"input '{path}' is empty");
        IMediaAnalysis analysis;
        try { analysis = await FFProbe.AnalyseAsync(path, cancellationToken: token); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new VideoAffectException($"'{path}' is not a readable video ({FfmpegErrors.Reason(e)})", e);
        }
        var video = analysis.PrimaryVideoStream
            ?? throw new VideoAffectException($"'{path}' has no video stream");
        if (video.Width is not > 0 || video.Height is not > 0)
            throw new VideoAffectException($"'{path}' has a video stream without a frame size (damaged or truncated file)");

        // ffmpeg applies rotation metadata while decoding, so the frames arrive with the rotated size.
        bool quarterTurn = Math.Abs(video.Rotation) % 180 == 90;
        int width = quarterTurn ? video.Height.Value : video.Width.Value, height = quarterTurn ? video.Width.Value : video.Height.Value;
        double fps = video.AverageFrameRate > 0 && double.IsFinite(video.AverageFrameRate) ? video.AverageFrameRate
            : video.RealFrameRate > 0 && double.IsFinite(video.RealFrameRate) ? video.RealFrameRate : 25;
        var times = await FrameTimesAsync(path, video.Index, token);
        return new VideoInfo(path, width, height, fps, analysis.Duration, analysis.PrimaryAudioStream is not null, times);
    }

    /// <summary>
    /// Presentation times of the video packets, sorted into display order. Packets with negative
    /// times are dropped: they are pre-roll that the decoder discards (MP4 edit lists).
    /// </summary>
    static async Task<IReadOnlyList<double>> FrameTimesAsync(string path, int streamIndex, CancellationToken token)
    {
        try
        {
            var packets = await FFProbe.GetPacketsAsync(path, customArguments: $"-select_streams {streamIndex}", cancellationToken: token);
            return packets.Packets
                .Where(p => p.StreamIndex == streamIndex)
                .Select(p => ParseSeconds(p.PtsTime))
                .Where(t => double.IsFinite(t) && t >= 0)
                .Order()
                .ToArray();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return []; // timestamps then follow from the frame rate; the decoder reports real damage itself
        }
    }

    /// <summary>FFMpegCore asks ffprobe for sexagesimal times ("0:00:01.033333"); plain seconds are accepted too.</summary>
    static double ParseSeconds(string? text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)) return seconds;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var time) ? time.TotalSeconds : double.NaN;
    }
}
