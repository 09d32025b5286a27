using System.Globalization;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>The monitor's files as `analyze` writes them: CSV records, tracking options, x264 recordings of any frame size.</summary>
[Collection(LiveCollection.Name)]
public sealed class MonitorOutputsTests
{
    [Fact]
    public void Csv_records_without_tracking_and_an_odd_sized_stream_recorded_padded_to_even()
    {
        using var dir = TestPaths.NewTempFolder();
        // An odd-sized camera: 4:2:0 H.264 cannot hold one, so the source is FFV1 (lossless, any size).
        string even = Clips.MovingFace(dir.File("even.mp4"), 30, fps: 15, width: 322, height: 242, audio: false);
        string clip = dir.File("odd.mkv");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", even, "-vf", "scale=321:241,setsar=1", "-c:v", "ffv1", clip);
        var run = ProcessRunner.Cli(["monitor", $"odd={clip}", "--backend", "cpu", "--json", "--no-tracking",
            "--records", dir.File("records"), "--records-format", "csv", "--record", dir.File("video")], timeoutSeconds: 90);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var stream = JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("streams")[0];
        int processed = stream.GetProperty("processed").GetInt32();
        Assert.True(processed > 0);

        // The CSV of `analyze --events NAME.csv`: its header, a row per face, no track ids without tracking.
        var rows = File.ReadAllLines(Path.Combine(dir.File("records"), "odd.csv"));
        Assert.StartsWith("time,frame,track,detected,x,y,w,h,label,confidence,p_angry", rows[0]);
        Assert.True(rows.Length > 1, "no face rows");
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',');
            Assert.Equal(rows[0].Split(',').Length, cells.Length);
            Assert.Equal("", cells[2]);
            Assert.True(double.TryParse(cells[9], CultureInfo.InvariantCulture, out double confidence) && confidence is > 0 and <= 1, row);
        }

        // Every processed frame recorded, 321x241 padded by one black edge pixel to 322x242 (4:2:0).
        var segment = Assert.Single(Directory.GetFiles(dir.File("video"), "odd-*.mp4"));
        Assert.Equal("322,242", ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", segment).Trim());
        Assert.Equal(processed - stream.GetProperty("not_recorded").GetInt32(), Clips.CountFrames(segment));
    }
}
