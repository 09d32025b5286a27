using VideoAffect.Live;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The map from a source's own times to the stream's clock (<see cref="SourceTimeline"/>), on
/// arrivals made up as sources give them: a connection's first frames in one burst, B-frame pairs,
/// bunches, a jump in the source's times.
/// </summary>
public sealed class SourceTimelineTests
{
    [Fact]
    public void A_burst_at_the_start_is_placed_at_its_arrival_and_sound_waits_for_the_pace()
    {
        var map = new SourceTimeline();
        // What ffmpeg read while probing: four frames at once.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(5.0, map.Frame(i * 0.1, 5.0), 9); // never later than it came
            Assert.Null(map.ToClock(i * 0.1));
        }
        // Then at its pace, 0.1 s apart, each a little later than the last of the burst.
        Assert.Equal(5.08, map.Frame(0.4, 5.08), 9);
        Assert.Equal(5.18, map.Frame(0.5, 5.18), 9);
        Assert.Equal(5.18 + 0.05, map.ToClock(0.55)!.Value, 9);
    }

    [Fact]
    public void Frames_that_come_in_pairs_or_bunches_are_placed_at_their_pace()
    {
        var map = new SourceTimeline();
        var places = new List<double>();
        // Ten frames a second, given in pairs (a B-frame camera) or threes (an HLS recording), each
        // pair or three when its last frame is due, 30 ms on.
        for (int i = 0; i < 60; i++)
        {
            int bunch = i < 30 ? 2 : 3;
            double due = (i / bunch * bunch + bunch - 1) * 0.1 + 0.03;
            places.Add(map.Frame(i * 0.1, 10 + due));
        }
        // Once the first frame that came on time was seen, every frame is 0.1 s after the one before
        // it, within the map's slow leak (the map is the least delay seen: the bunch's last frame's, 30 ms).
        for (int i = 2; i < 30; i++) Assert.InRange(places[i] - places[i - 1], 0.095, 0.105);
        Assert.Equal(10 + 0.1 * 20 + 0.03, places[20], 2);
        // The map leaks toward later frames slowly: a bunch of three delays two frames more, and
        // the places stay within a few ms of the pace.
        for (int i = 33; i < 60; i++) Assert.InRange(places[i] - places[i - 1], 0.09, 0.11);
        Assert.Equal(10 + 0.1 * 59 + 0.03, map.ToClock(0.1 * 59)!.Value, 6);
    }

    [Fact]
    public void A_jump_back_in_the_source_s_times_starts_the_map_afresh()
    {
        var map = new SourceTimeline();
        for (int i = 0; i < 10; i++) map.Frame(100 + i * 0.1, 1 + i * 0.1);
        // The camera's clock restarted: its times from 0 again, still a frame every 0.1 s.
        Assert.Equal(2.0, map.Frame(0, 2.0), 9);
        Assert.Equal(2.1, map.Frame(0.1, 2.1), 9);
        Assert.Equal(2.15, map.ToClock(0.15)!.Value, 9);
        // A jump forward is a smaller delay: taken at once.
        Assert.Equal(2.2, map.Frame(5000, 2.2), 9);
    }
}
