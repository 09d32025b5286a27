using VideoAffect.Detection;
using VideoAffect.Tracking;

namespace VideoAffect.Tests;

/// <summary>The tracker and the smoother on synthetic boxes and probabilities whose right answers are known.</summary>
public class TrackingTests
{
    static readonly TrackerOptions Options = new() { MinIou = 0.3, HitsToConfirm = 2, MissesToDelete = 2 };

    [Fact]
    public void A_moving_face_keeps_one_id_and_two_faces_get_two()
    {
        var tracker = new IouTracker(Options);
        var ids = new HashSet<int>();
        for (int f = 0; f < 20; f++)
        {
            var tracks = tracker.Update([new FaceBox(10 + 4 * f, 50, 60, 60), new FaceBox(400, 40 + 3 * f, 50, 50)], f);
            Assert.NotEqual(tracks[0].Id, tracks[1].Id);
            ids.Add(tracks[0].Id);
            ids.Add(tracks[1].Id);
        }
        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public void Tracks_are_confirmed_after_k_hits_and_end_after_m_misses()
    {
        var tracker = new IouTracker(Options);
        var box = new FaceBox(100, 100, 50, 50);
        int id = tracker.Update([box], 0)[0].Id;
        Assert.False(tracker.Tracks.Single().Confirmed);
        tracker.Update([box], 1);
        Assert.True(tracker.Tracks.Single().Confirmed);
        for (int f = 2; f <= 4; f++) tracker.Update([], f); // three misses > MissesToDelete (2)
        Assert.Empty(tracker.Tracks);
        Assert.NotEqual(id, tracker.Update([box], 5)[0].Id);
    }

    [Fact]
    public void Coasting_predicts_boxes_from_the_tracks_motion()
    {
        var tracker = new IouTracker(Options);
        for (int f = 0; f < 6; f++) tracker.Update([new FaceBox(100 + 10 * f, 80, 60, 60)], f);
        var (track, predicted) = Assert.Single(tracker.Coast(8));
        // Moving +10 px per frame, last seen at x=150 on frame 5: about x=180 on frame 8.
        Assert.InRange(predicted.X, 170, 190);
        Assert.Equal(80, predicted.Y);
        Assert.Equal(tracker.Tracks.Single().Id, track.Id);
    }

    [Fact]
    public void Smoothing_averages_over_time_and_alpha_one_passes_through()
    {
        var smoother = new ProbabilitySmoother(0.5);
        Assert.Equal([1f, 0f], smoother.Add(7, 0, [1f, 0f]));
        Assert.Equal([0.5f, 0.5f], smoother.Add(7, 1, [0f, 1f]));
        Assert.Equal([0.75f, 0.25f], smoother.Add(7, 2, [1f, 0f]));
        Assert.Equal([0f, 1f], smoother.Add(8, 2, [0f, 1f])); // another track starts afresh

        var off = new ProbabilitySmoother(1);
        off.Add(1, 0, [1f, 0f]);
        Assert.Equal([0.2f, 0.8f], off.Add(1, 1, [0.2f, 0.8f]));
    }

    [Fact]
    public void A_single_frame_flip_does_not_change_the_smoothed_label()
    {
        var smoother = new ProbabilitySmoother(0.3);
        float[] happy = [0.1f, 0.9f], sad = [0.8f, 0.2f];
        for (int f = 0; f < 10; f++) smoother.Add(1, f, happy);
        var afterFlip = smoother.Add(1, 10, sad);
        Assert.True(afterFlip[1] > afterFlip[0], $"smoothed {afterFlip[0]} vs {afterFlip[1]}");
    }

    [Fact]
    public void A_face_that_jumped_further_than_its_overlap_still_matches_by_centre_distance()
    {
        var tracker = new IouTracker(Options);
        int id = tracker.Update([new FaceBox(100, 100, 60, 60)], 0)[0].Id;
        // 40 px to the right: IoU 0.2 < 0.3, centre well inside one face width.
        Assert.Equal(id, tracker.Update([new FaceBox(140, 100, 60, 60)], 4)[0].Id);
        // A box of very different size at the same place is another face.
        Assert.NotEqual(id, tracker.Update([new FaceBox(140, 100, 200, 200)], 8)[0].Id);
    }
}
