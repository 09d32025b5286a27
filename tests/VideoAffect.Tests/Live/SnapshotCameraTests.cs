using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A camera that serves a still picture at a URL (a cheap IP camera's snapshot.jpg, an ESP32-CAM,
/// a home-automation camera proxy): each picture fetched at the snapshot interval, quietly. Before
/// 0.16 each fetch was a stream that "ended" and reconnected: a log line and a reconnect counted
/// per picture, the live page flipping between live and reconnecting.
/// </summary>
[Collection(LiveCollection.Name)]
public class SnapshotCameraTests
{
    [Fact]
    public async Task A_snapshot_URL_is_fetched_at_the_interval_and_each_fetch_is_a_new_picture()
    {
        using var dir = TestPaths.NewTempFolder();
        string served = Directory.CreateDirectory(dir.File("www")).FullName, snapshot = Path.Combine(served, "snap.jpg");
        void Serve(string photo)
        {
            using var picture = Cv2.ImRead(TestPaths.Photo(photo));
            Cv2.ImWrite(dir.File("next.jpg"), picture);
            File.Move(dir.File("next.jpg"), snapshot, overwrite: true); // whole, as a camera's server swaps it
        }
        Serve("astronaut.png");
        using var server = new HttpFileServer(served);
        string records = dir.File("records");
        using var cli = new RunningCli(["monitor", $"cam={server.Url("snap.jpg")}", "--snapshot-interval", "500ms", "--backend", "cpu",
            "--records", records, "--duration", "5s", "--json"]);
        // The face is reported from its second picture (a track is confirmed at its second detection).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string jsonl = Path.Combine(records, "cam.jsonl");
        while (!File.Exists(jsonl) || File.ReadAllLines(jsonl).Length < 2)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no face recorded within 60 s: {cli.StandardError}");
            await Task.Delay(100);
        }
        // The camera now sees no one: the next fetches show it.
        Serve("coffee.png");
        var swapped = DateTime.UtcNow;
        var (exitCode, output) = cli.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, cli.StandardError);

        var cam = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        Assert.Equal(0, cam.GetProperty("reconnects").GetInt32());
        Assert.InRange(cam.GetProperty("frames").GetInt32(), 5, 11); // 5 s at one every 0.5 s, after the first probe
        Assert.Contains("cam: a still picture; fetched every 0.5 s (--snapshot-interval)", cli.StandardError);
        Assert.Single(cli.StandardError.Split('\n'), l => l.Contains("cam: connected"));
        Assert.DoesNotContain("reconnecting", cli.StandardError);
        var faceTimes = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("utc").GetDateTime()).ToList();
        Assert.True(faceTimes.Max() < swapped.AddSeconds(1.2), "a fetch after the swap still showed the face: the picture was not fetched again");
    }
}
