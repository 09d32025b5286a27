using System.Threading.Channels;
using VideoAffect.Live;
using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// Transparent video on the web is WebM: VP8 or VP9 with the alpha stored beside each picture
/// (stickers, overlays, avatars exported from OBS or a browser). ffmpeg's own VP8 and VP9
/// decoders read the picture only, so before 0.31.1 the colours an encoder left under transparent
/// pixels were analysed as if shown. They are composed over black now, as every other format with
/// alpha is, in files and live sources alike. The reference: libvpx's own decoding of the alpha
/// (ffmpeg's libvpx decoders, to RGBA), composed over black by the test's own arithmetic.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class TransparentWebMTests
{
    const int Width = 320, Height = 240, Frames = 4, TransparentColumns = 40;

    /// <param name="codec">the encoder</param>
    /// <param name="decoder">ffmpeg's decoder that reads the alpha</param>
    [Theory]
    [InlineData("libvpx-vp9", "libvpx-vp9")]
    [InlineData("libvpx", "libvpx")]
    public async Task Transparent_pixels_of_a_VP8_or_VP9_WebM_are_composed_over_black_in_files_and_live_sources(string codec, string decoder)
    {
        using var dir = TestPaths.NewTempFolder();
        // Columns 0-39 transparent, 40-79 half (alpha 128), the rest opaque, over colours that change
        // smoothly: the 4:2:0 chroma is then the same whichever way a conversion upsamples it (at a
        // face's sharp colour edges ffmpeg's conversions to RGBA and to BGR differ by up to 38 levels).
        string webm = dir.File("sticker.webm");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
            "-i", $"color=c=black:s={Width}x{Height}:r=10,format=rgba,geq=r='60+X/2':g='120+Y/4':b='220-Y/2':a='if(lt(X,{TransparentColumns}),0,if(lt(X,{2 * TransparentColumns}),128,255))'",
            "-frames:v", Frames.ToString(), "-c:v", codec, "-pix_fmt", "yuva420p", "-auto-alt-ref", "0", "-b:v", "4M", webm);
        // What it is: a picture ffmpeg's probe calls opaque, its alpha in the tag WebM readers go by.
        Assert.Equal("yuv420p,1", ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=pix_fmt:stream_tags=alpha_mode", "-of", "csv=p=0", webm).Trim());

        var info = await VideoProbe.ProbeAsync(webm, CancellationToken.None);
        Assert.Contains("transparent (over black)", info.Filters.Description);
        var decoded = await DecodedFrames.ReadAsync(webm);
        var live = await LiveFramesAsync(webm);
        Assert.Equal(Frames, decoded.Count);
        Assert.Equal(Frames, live.Count);

        for (int i = 0; i < Frames; i++)
        {
            byte[] rgba = Decode(webm, decoder, i, "rgba", 4);
            byte[] pictureOnly = Decode(webm, decoder: null, i, "bgr24", 3);
            int worst = 0, liveWorst = 0;
            double underTransparent = 0;
            for (int p = 0; p < Width * Height; p++)
            {
                int x = p % Width, alpha = rgba[p * 4 + 3];
                for (int c = 0; c < 3; c++)
                {
                    // BGR from RGBA, each colour times its alpha / 255.
                    int expected = (rgba[p * 4 + 2 - c] * alpha + 127) / 255;
                    worst = Math.Max(worst, Math.Abs(expected - decoded[i].Bgr[p * 3 + c]));
                    liveWorst = Math.Max(liveWorst, Math.Abs(expected - live[i][p * 3 + c]));
                    if (x < TransparentColumns) underTransparent += pictureOnly[p * 3 + c];
                }
            }
            // ffmpeg's premultiply works on the YUV planes before the conversion to BGR, the
            // reference on RGB after it: a few levels apart.
            Assert.True(worst <= 6, $"{codec} frame {i}: {worst} levels from libvpx's picture composed over black");
            Assert.True(liveWorst <= 6, $"{codec} frame {i}, as a live source: {liveWorst} levels from libvpx's picture composed over black");
            // The problem it solves: under the transparent columns the picture holds the encoder's colours.
            Assert.True(underTransparent / (TransparentColumns * Height * 3) > 20, $"{codec} frame {i}: the picture under the transparent columns is black already; the test shows nothing");
        }
    }

    /// <summary>Frame <paramref name="index"/> as raw pixels, through <paramref name="decoder"/> (null: ffmpeg's own choice).</summary>
    static byte[] Decode(string path, string? decoder, int index, string pixelFormat, int bytesPerPixel)
    {
        string raw = path + $".{decoder ?? "native"}.{index}.{pixelFormat}";
        ProcessRunner.Tool("ffmpeg", [.. "-nostdin -v error".Split(' '), .. decoder is null ? Array.Empty<string>() : ["-c:v", decoder],
            "-i", path, "-vf", $"select=eq(n\\,{index})", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", pixelFormat, raw]);
        byte[] bytes = File.ReadAllBytes(raw);
        Assert.Equal(Width * Height * bytesPerPixel, bytes.Length);
        return bytes;
    }

    /// <summary>The file's frames as a live source (monitor's `cam=FILE`) hands them on.</summary>
    static async Task<List<byte[]>> LiveFramesAsync(string path)
    {
        var spec = LiveSourceSpec.Parse($"sticker={path}", 0);
        using var metrics = new LiveMetrics();
        var source = new LiveSource(spec, new LiveSourceOptions(), new StreamStatus(spec, metrics), 0);
        var output = Channel.CreateUnbounded<VideoFrame>();
        var run = Task.Run(() => source.RunAsync(output.Writer, CancellationToken.None));
        var frames = new List<byte[]>();
        await foreach (var frame in output.Reader.ReadAllAsync())
        {
            frames.Add(frame.Pixels[..frame.ByteCount]);
            frame.Dispose();
        }
        await run;
        return frames;
    }
}
