using VideoAffect.Live;

namespace VideoAffect.Tests.Live;

/// <summary>The monitor's closing lines as the CLI prints them.</summary>
public class MonitorSummaryTextTests
{
    static readonly StreamSummary Door = new("door", "door.mp4", "stopped", 640, 480, Frames: 30, Processed: 30, Dropped: 0, Faces: 12,
        Reconnects: 0, Errors: 0, DowntimeSeconds: 0, AverageFps: 10, CurrentFps: 10, QueueDepth: 0, LatencyP50: 0.040, LatencyP95: 0.055, LastError: null, CurrentFaces: []);

    /// <summary>Forward passes shared by several streams are counted only where there are several streams to share them.</summary>
    [Fact]
    public void Passes_with_faces_from_several_streams_are_said_only_with_several_streams()
    {
        Assert.StartsWith("monitor stopped after 3.0 s; 8 forward passes\n  door: stopped, 30 frames read", new MonitorSummary("stopped", null, 3, 8, 0, [Door]).ToText());
        Assert.Equal("monitor failed after 0.3 s: no source; 0 forward passes", new MonitorSummary("failed", "no source", 0.3, 0, 0, []).ToText());
        Assert.StartsWith("monitor stopped after 3.0 s; 8 forward passes, 5 with faces from several streams\n  door: ",
            new MonitorSummary("stopped", null, 3, 8, 5, [Door, Door with { Name = "hall" }]).ToText());
    }
}
