using System.Text.Json.Nodes;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Containers;

/// <summary>
/// An interlaced camera (see <see cref="InterlacedVideoTests"/>) watched by the monitor: its frames
/// are deinterlaced as a file's are. It counts faces found in frames processed in real time, so it
/// is a live test: beside the rest of the suite the live queue once kept 6 of the 40 frames.
/// </summary>
[Collection(Live.LiveCollection.Name)]
public class InterlacedCameraTests
{
    [Fact]
    public async Task An_interlaced_camera_is_watched_deinterlaced()
    {
        using var dir = TestPaths.NewTempFolder();
        const int Frames = 40;
        string camera = InterlacedVideoTests.PalDvdClip(dir, Frames); // played in real time, as a camera sends it
        using var monitor = new LiveMonitor(new MonitorOptions
        {
            Sources = [LiveSourceSpec.Parse($"pal={camera}", 0)],
            RecordsDirectory = dir.Path,
            Duration = TimeSpan.FromSeconds(30),
            Recognition = new() { Backend = "cpu" },
            Source = new LiveSourceOptions { StallTimeout = TimeSpan.FromSeconds(5) },
        });
        var summary = await monitor.RunAsync(CancellationToken.None);
        var stream = Assert.Single(summary.Streams);
        Assert.Equal((768, 576), (stream.Width, stream.Height));
        // A live queue drops frames when the machine is busy: a quarter of them at least, each with
        // the face, and every one happy (combed, two thirds of the faces found were not).
        string records = Assert.Single(Directory.GetFiles(dir.Path, "*.jsonl"));
        var faces = File.ReadAllLines(records).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True(faces.Count >= Frames / 4, $"{faces.Count} faces recorded of {Frames} frames");
        Assert.All(faces, f => Assert.Equal("happy", (string)f["label"]!));
    }
}
