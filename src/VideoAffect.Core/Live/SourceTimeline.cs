namespace VideoAffect.Live;

/// <summary>
/// One connection's map from the source's own times (the presentation times its decoder gives
/// each frame and each piece of sound, <see cref="Media.Nut.NutReader"/>) to the stream's clock.
/// Frames and sound are placed by it (<see cref="Media.VideoFrame.Timestamp"/>, <see cref="AudioTap"/>),
/// not by when ffmpeg hands each over, which is late by varying amounts: an HLS recording gives
/// its frames in bunches of three or four (up to 230 ms apart from their pacing, measured) and, in
/// fragmented MP4, a segment's sound after all its pictures (2 s late: recorded beeps were lost);
/// MPEG-TS and RTSP give a frame only when the next one starts (a frame period after its sound);
/// a B-frame camera's frames come out of the decoder in pairs.
/// The map is the smallest delay seen, a frame that came early showing the source's pacing: it
/// follows a frame that came sooner at once, and one that came later slowly (<see cref="Leak"/>:
/// a source's clock that runs slow), or at once when it is much later (<see cref="Reset"/>: the
/// source's times jumped back, or it resumed after a stall). So a frame's place is never after
/// its arrival, and at most <see cref="Reset"/> before it.
/// </summary>
internal sealed class SourceTimeline
{
    /// <summary>
    /// Added to every time the decoder writes, on each of its outputs alike: NUT refuses a negative
    /// time (a stream whose sound starts before its pictures can have one), and ffmpeg would move
    /// one output's times and not the other's to avoid it.
    /// </summary>
    public const string OutputOffset = "-output_ts_offset 1000";

    /// <summary>How much later than the map's place a frame may come before the map is taken afresh from it (s).</summary>
    const double Reset = 1.0;

    /// <summary>The share of a later frame's extra delay the map takes on, frame by frame.</summary>
    const double Leak = 0.02;

    readonly Lock _lock = new();
    double _offset = double.NaN;
    double _lastSource, _lastArrival;
    bool _settled;

    /// <summary>A frame of source time <paramref name="sourceTime"/> came at <paramref name="arrival"/> (the stream's clock); returns its place on that clock.</summary>
    public double Frame(double sourceTime, double arrival)
    {
        lock (_lock)
        {
            double offset = arrival - sourceTime;
            bool first = double.IsNaN(_offset);
            if (first || offset < _offset || offset - _offset > Reset) _offset = offset;
            else _offset += (offset - _offset) * Leak;
            // Settled once a frame came at its pace after the one before: a connection's first
            // frames come in a burst (what ffmpeg read while it probed the stream), the first of
            // them far later than their times.
            if (!first && sourceTime > _lastSource && arrival - _lastArrival >= (sourceTime - _lastSource) / 2) _settled = true;
            (_lastSource, _lastArrival) = (sourceTime, arrival);
            return sourceTime + _offset;
        }
    }

    /// <summary>Where <paramref name="sourceTime"/> is on the stream's clock; null until the frames have settled to their pace.</summary>
    public double? ToClock(double sourceTime)
    {
        lock (_lock) return _settled ? sourceTime + _offset : null;
    }
}
