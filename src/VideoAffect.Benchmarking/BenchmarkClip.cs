using System.Globalization;
using FFMpegCore;
using VideoAffect.Media;

namespace VideoAffect.Benchmarking;

/// <summary>
/// Generated benchmark clips: 1 or more copies of the astronaut's face (a crop of the public-domain
/// photo that setup installs), each drifting slowly over a blurred face-free background, so every
/// frame has a known number of faces. Made with ffmpeg once and cached by their parameters.
/// </summary>
internal static class BenchmarkClip
{
    public static async Task<string> GetAsync(string photos, string cache, int width, int height, int faces, double seconds, int fps = 30)
    {
        string path = Path.Combine(cache, string.Create(CultureInfo.InvariantCulture, $"bench_{width}x{height}_{faces}faces_{seconds:0.##}s_{fps}fps.mp4"));
        // A clip cached before the background was made square-pixel (setsar=1) is analysed wider than
        // its name says (the decoders give display size): make it again.
        if (File.Exists(path) && await VideoProbe.ProbeAsync(path, CancellationToken.None) is { } cached
            && cached.Width == width && cached.Height == height) return path;
        string astronaut = Path.Combine(photos, "astronaut.png"), background = Path.Combine(photos, "coffee.png");
        foreach (var p in new[] { astronaut, background })
            if (!File.Exists(p)) throw new VideoAffectException($"benchmark clips are made from '{p}', which is missing; run ./setup.sh");
        Directory.CreateDirectory(cache);

        // Faces on a grid of up to 4 columns; each tile is the head-and-shoulders crop around the face.
        int columns = Math.Min(faces, 4), rows = (faces + columns - 1) / columns;
        int tile = Math.Min(width / columns, height / rows) * 3 / 4;
        var filter = new List<string> { $"[0:v]scale={width}:{height},setsar=1,boxblur=4[bg0]", $"[1:v]crop=220:220:115:15,scale={tile}:{tile},split={faces}{string.Concat(Enumerable.Range(0, faces).Select(i => $"[f{i}]"))}" };
        if (faces == 1) filter[1] = $"[1:v]crop=220:220:115:15,scale={tile}:{tile}[f0]";
        for (int i = 0; i < faces; i++)
        {
            int cx = (i % columns) * (width / columns) + (width / columns - tile) / 2;
            int cy = (i / columns) * (height / rows) + (height / rows - tile) / 2;
            int drift = Math.Max(2, tile / 10);
            string next = i == faces - 1 ? "[v]" : $"[bg{i + 1}]";
            filter.Add($"[bg{i}][f{i}]overlay=x='{cx}+{drift}*sin(t+{i})':y='{cy}+{drift}*cos(t+{i})'{next}");
        }
        string partial = path + ".partial.mp4";
        var ok = await FFMpegArguments
            .FromFileInput(FfmpegPath.Escape(background), verifyExists: false, o => o.WithCustomArgument("-loop 1"))
            .AddFileInput(FfmpegPath.Escape(astronaut), verifyExists: false, o => o.WithCustomArgument("-loop 1"))
            .OutputToFile(FfmpegPath.Escape(partial), overwrite: true, o => o
                .WithCustomArgument($"-filter_complex \"{string.Join(';', filter)}\" -map \"[v]\"")
                .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-t {seconds} -r {fps} -pix_fmt yuv420p"))
                .WithVideoCodec("libx264")
                .WithCustomArgument("-preset veryfast -crf 20"))
            .RunAsync();
        if (!ok.Success) throw new VideoAffectException($"could not generate benchmark clip {path}: {string.Join(' ', ok.StandardError.TakeLast(2))}");
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
