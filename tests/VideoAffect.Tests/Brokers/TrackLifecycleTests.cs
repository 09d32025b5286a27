using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Tests.Brokers;

/// <summary>Track events from hand-made records, where every expected event is counted by hand.</summary>
public sealed class TrackLifecycleTests
{
    static readonly string[] Labels = ["happy", "sad"];

    static FrameRecord Frame(string stream, long index, params (int Track, string Label, bool Tentative)[] faces) =>
        new(stream, index, index / 10.0, null, faces.Select((f, i) => new FaceRecord(i, f.Track, true, true, f.Tentative, new FaceBox(10, 10, 40, 40),
            new EmotionPrediction(Labels, f.Label == "happy" ? [0.9f, 0.1f] : [0.2f, 0.8f]), null)).ToList());

    [Fact]
    public void A_track_is_new_once_updated_when_its_label_changes_and_ends_after_its_absence_with_its_shares()
    {
        var life = new TrackLifecycle(endAfterFrames: 3);
        var labels = new[] { "happy", "happy", "sad", "sad", "sad" };
        var events = new List<(long Frame, TrackEvent Event)>();
        for (int i = 0; i < 5; i++) events.AddRange(life.Observe(Frame("a", i, (7, labels[i], false))).Select(e => ((long)i, e)));
        for (int i = 5; i < 10; i++) events.AddRange(life.Observe(Frame("a", i)).Select(e => ((long)i, e)));

        Assert.Equal([(0L, "new"), (2L, "update"), (7L, "end")], events.Select(e => (e.Frame, e.Event.Type)));
        Assert.Null(events[0].Event.Before);
        Assert.Equal(("happy", "sad"), (events[1].Event.Before!.Label, events[1].Event.After.Label));
        var end = events[2].Event.After;
        Assert.Equal(5, end.Frames);
        Assert.Equal(0.0, end.StartTime);
        Assert.Equal(0.4, end.EndTime);
        Assert.Equal(0.4, end.Duration);
        Assert.Equal(new Dictionary<string, double> { ["happy"] = 0.4, ["sad"] = 0.6 }, end.Shares);
        Assert.Null(events[2].Event.Before!.Shares); // shares come with the end only
    }

    [Fact]
    public void New_and_end_carry_the_tracks_face_of_that_moment_and_updates_none()
    {
        var faces = new Dictionary<(string, int), byte[]> { [("a", 7)] = [1] };
        var life = new TrackLifecycle(endAfterFrames: 1, (stream, track) => faces.GetValueOrDefault((stream, track)));
        var created = Assert.Single(life.Observe(Frame("a", 0, (7, "happy", false))));
        faces[("a", 7)] = [2]; // a more confident face since
        var updated = Assert.Single(life.Observe(Frame("a", 1, (7, "sad", false))));
        var ended = Assert.Single(life.Observe(Frame("a", 2)));
        Assert.Equal(["new", "update", "end"], new[] { created.Type, updated.Type, ended.Type });
        Assert.Equal([1], created.Face);
        Assert.Null(updated.Face);
        Assert.Equal([2], ended.Face);
        Assert.Null(Assert.Single(new TrackLifecycle(1).Observe(Frame("a", 0, (7, "happy", false)))).Face); // without faces
    }

    [Fact]
    public void Absence_is_counted_in_the_tracks_own_stream_and_untracked_or_tentative_faces_make_no_events()
    {
        var life = new TrackLifecycle(endAfterFrames: 2);
        Assert.Equal(["new"], life.Observe(Frame("a", 0, (1, "happy", false), (0, "sad", false), (2, "sad", true))).Select(e => e.Type));
        // Stream b's frames are not stream a's: track a:1 is still there after them.
        for (int i = 0; i < 5; i++) Assert.Empty(life.Observe(Frame("b", i)));
        Assert.Empty(life.Observe(Frame("a", 1)));
        var ended = life.Observe(Frame("a", 2));
        Assert.Equal("a:1", Assert.Single(ended).After.Id);
        Assert.Equal("end", ended[0].Type);
    }

    [Fact]
    public void The_end_of_the_run_ends_every_open_track_of_every_stream()
    {
        var life = new TrackLifecycle(endAfterFrames: 100);
        life.Observe(Frame("a", 0, (1, "happy", false)));
        life.Observe(Frame("b", 0, (1, "sad", false), (4, "happy", false)));
        var ended = life.EndAll();
        Assert.Equal(["a:1", "b:1", "b:4"], ended.Select(e => e.After.Id).Order());
        Assert.All(ended, e => Assert.Equal("end", e.Type));
        Assert.Empty(life.EndAll());
    }
}
