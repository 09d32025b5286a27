using System.Net;
using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// `monitor --http`: /streams/NAME/tracks/ID.jpg is a live track's face at its most confident
/// classification, what an event's receiver shows beside "#3 happy": here the clip's one face, as
/// OpenCV's cascade finds and crops it on the clip's own frame; a track or stream it does not know
/// is 404, and an anonymizing monitor keeps no faces.
/// </summary>
public class TrackFacesTests
{
    [Fact]
    public async Task A_tracks_face_is_served_as_the_cascade_crops_it()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 30, fps: 10, width: 320, height: 240, audio: false);
        int port = RtspTestServer.FreePort(), hidden = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--http", $"127.0.0.1:{port}"]);
        using var anonymized = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--http", $"127.0.0.1:{hidden}", "--anonymize", "fill"]);
        await cli.WaitForAsync("cam: connected", TimeSpan.FromSeconds(60));
        await anonymized.WaitForAsync("cam: connected", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        int track = await CurrentTrackAsync(http);

        using var thumbnail = Cv2.ImDecode(await http.GetByteArrayAsync($"/streams/cam/tracks/{track}.jpg"), ImreadModes.Color);
        Assert.Equal(96, thumbnail.Height);
        // The reference: OpenCV's cascade on the clip's first frame, its box cropped and scaled to the same height.
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-frames:v", "1", dir.File("first.png"));
        using var first = Cv2.ImRead(dir.File("first.png"), ImreadModes.Color);
        using var gray = first.CvtColor(ColorConversionCodes.BGR2GRAY);
        var box = Assert.Single(HaarReference.OpenCv(gray, new Detection.DetectorOptions(), minNeighbors: 5));
        using var crop = new Mat(first, new Rect(box.X, box.Y, box.Width, box.Height));
        using var expected = crop.Resize(new Size(thumbnail.Width, thumbnail.Height), 0, 0, InterpolationFlags.Area);
        using var match = new Mat();
        Cv2.MatchTemplate(thumbnail, expected, match, TemplateMatchModes.CCoeffNormed);
        Cv2.MinMaxLoc(match, out _, out double similarity);
        Assert.True(similarity > 0.8, $"the track's face is not the cascade's crop of the face (correlation {similarity:0.00})");

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/streams/cam/tracks/{track + 1000}.jpg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/streams/door/tracks/{track}.jpg")).StatusCode);
        using var hiddenHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hidden}") };
        int hiddenTrack = await CurrentTrackAsync(hiddenHttp);
        Assert.Equal(HttpStatusCode.NotFound, (await hiddenHttp.GetAsync($"/streams/cam/tracks/{hiddenTrack}.jpg")).StatusCode);
        Assert.Equal(0, cli.Terminate(TimeSpan.FromSeconds(20)).ExitCode);
        Assert.Equal(0, anonymized.Terminate(TimeSpan.FromSeconds(20)).ExitCode);
    }

    /// <summary>The track of the face on the stream's latest frame, once there is one.</summary>
    static async Task<int> CurrentTrackAsync(HttpClient http)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync("/streams"));
            var faces = status.RootElement.GetProperty("streams")[0].GetProperty("current_faces");
            if (faces.GetArrayLength() > 0 && faces[0].GetProperty("track").GetInt32() is > 0 and var track) return track;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "no tracked face on the stream");
            await Task.Delay(200);
        }
    }
}
