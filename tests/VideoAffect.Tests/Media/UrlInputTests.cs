using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// analyze reads a recording from a URL (a web server, object storage's presigned link) as ffmpeg
/// does, with the same results as from the file; the link's secrets stay out of what it writes,
/// and a server that is missing the file or never answers is one error line, not a hang.
/// </summary>
public class UrlInputTests
{
    [Fact]
    public void A_video_from_a_web_server_gives_the_records_of_the_same_file_and_its_secret_is_not_written()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("web"));
        Directory.CreateDirectory(dir.File("out"));
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 20, audio: true);
        // The index at the front, as web video is published (Python's server does not serve byte ranges).
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c", "copy", "-movflags", "+faststart", dir.File("web/talk.mp4"));
        using var server = new HttpFileServer(dir.File("web"));

        var local = ProcessRunner.Cli(["analyze", dir.File("web/talk.mp4"), "-o", dir.File("local.mp4"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(local.ExitCode == 0, local.StandardError);
        var r = ProcessRunner.Cli(["analyze", server.Url("talk.mp4?X-Signature=SECRET123"), "-o", dir.File("out"), "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);

        // Named after the URL's file, in the folder; every frame, with the audio; the same records.
        Assert.Equal(20, Clips.CountFrames(dir.File("out/talk.annotated.mp4")));
        Assert.Equal("video audio", Clips.StreamTypes(dir.File("out/talk.annotated.mp4")));
        Assert.Equal(File.ReadAllText(dir.File("local.jsonl")), File.ReadAllText(dir.File("out/talk.annotated.jsonl")));
        using var summary = JsonDocument.Parse(File.ReadAllText(dir.File("out/talk.annotated.summary.json")));
        Assert.Equal(server.Url("talk.mp4"), summary.RootElement.GetProperty("input").GetString());
        Assert.DoesNotContain("SECRET123", r.StandardOutput + r.StandardError + File.ReadAllText(dir.File("out/talk.annotated.summary.json")));
    }

    [Fact]
    public void A_missing_file_on_the_server_is_one_error_line()
    {
        using var dir = TestPaths.NewTempFolder();
        using var server = new HttpFileServer(dir.Path);
        var r = ProcessRunner.Cli(["analyze", server.Url("nothing.mp4"), "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: '{server.Url("nothing.mp4")}' is not a readable video ({server.Url("nothing.mp4")}: Server returned 404 Not Found)",
            r.StandardError.Split('\n').Single(l => l.StartsWith("videoaffect:")));
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }

    [Fact]
    public void From_a_web_server_a_photo_or_an_animated_WebP_is_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("clip.mp4"), 6, fps: 10, width: 320, height: 240, audio: false);
        Directory.CreateDirectory(dir.File("web"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-frames:v", "1", dir.File("web/photo.jpg"));
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-c:v", "libwebp_anim", "-loop", "0", dir.File("web/sticker.webp"));
        using var server = new HttpFileServer(dir.File("web"));

        foreach (var (name, error) in new[]
        {
            ("photo.jpg", "is a still image, not a video: 'videoaffect classify' finds and classifies the faces in photos"),
            ("sticker.webp", "is an animated WebP, which is read from a local file only (ffmpeg cannot decode one); save it to a file first"),
        })
        {
            var r = ProcessRunner.Cli(["analyze", server.Url(name), "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 60);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"videoaffect: error: '{server.Url(name)}' {error}", r.StandardError.Split('\n').Single(l => l.StartsWith("videoaffect:")));
            Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
        }
    }

    [Fact]
    public async Task A_server_that_never_answers_is_an_error_within_a_minute_not_a_hang()
    {
        using var dir = TestPaths.NewTempFolder();
        // Accepts connections and says nothing.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try { while (true) held.Add(await listener.AcceptSocketAsync(stop.Token)); }
            catch (OperationCanceledException) { }
        });
        var r = await Task.Run(() => ProcessRunner.Cli(["analyze", $"http://127.0.0.1:{port}/x.mp4", "-o", dir.File("out.mp4"), "--backend", "cpu"], timeoutSeconds: 60));
        stop.Cancel();
        await accepting;
        foreach (var s in held) s.Dispose();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("timed out", r.StandardError);
        // While it waits, the progress line says what it waits for (not "0 frames, 0.0 fps").
        Assert.Contains("  opening the input (5 s)", r.StandardError);
        Assert.DoesNotContain("0 frames", r.StandardError);
        Assert.Empty(Directory.GetFiles(dir.Path, "out*"));
    }
}
