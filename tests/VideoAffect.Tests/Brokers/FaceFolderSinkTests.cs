using VideoAffect.Brokers.Files;
using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Records;
using VideoAffect.Sinks;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// The --faces folder's names, from hand-made records: a track of a later run that starts in the
/// same second as one already written (track ids start again at 1 in each run) gets "-2", and the
/// file already there keeps its bytes.
/// </summary>
public sealed class FaceFolderSinkTests
{
    static readonly string[] Labels = ["happy", "sad"];

    [Fact]
    public async Task A_later_tracks_face_never_replaces_one_already_there()
    {
        using var dir = TestPaths.NewTempFolder();
        var start = new DateTime(2026, 12, 4, 9, 30, 5, DateTimeKind.Utc);
        foreach (byte face in new byte[] { 0xA1, 0xB2 }) // two runs, the same track starting at the same second
        {
            await using var sink = new FaceFolderSink(dir.Path);
            sink.Start(new SinkRun { Streams = ["door"], Report = _ => new StreamReport("live", 0, 0, 0, null), TrackFace = (_, _) => [face] });
            for (int i = 0; i < 3; i++)
                sink.Offer(new FrameRecord("door", i, i / 10.0, start.AddSeconds(i / 10.0), [new FaceRecord(0, 1, true, true, false, new FaceBox(1, 2, 30, 30),
                    new EmotionPrediction(Labels, [0.9f, 0.1f]), null)]));
            await sink.FinishAsync(RunOutcome.Complete);
        }
        var local = new DateTimeOffset(start).ToLocalTime();
        string folder = Path.Combine(dir.Path, "door", local.ToString("yyyy-MM-dd"));
        string stem = $"{local.ToString("HHmmsszzz").Replace(":", "")}_1_happy";
        Assert.Equal([$"{stem}-2.jpg", $"{stem}-2.json", $"{stem}.jpg", $"{stem}.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([0xA1], File.ReadAllBytes(Path.Combine(folder, $"{stem}.jpg")));
        Assert.Equal([0xB2], File.ReadAllBytes(Path.Combine(folder, $"{stem}-2.jpg")));
        Assert.Contains("\"start_utc\":\"2026-12-04T09:30:05Z\"", File.ReadAllText(Path.Combine(folder, $"{stem}-2.json")));
    }
}
