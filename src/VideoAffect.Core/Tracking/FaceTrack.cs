using VideoAffect.Detection;

namespace VideoAffect.Tracking;

/// <summary>One face followed over frames: its last box, its motion per frame, and how sure we are it is real.</summary>
internal sealed class FaceTrack(int id, FaceBox box, long frame)
{
    double _x = box.X, _y = box.Y, _w = box.Width, _h = box.Height;
    double _vx, _vy;
    long _lastFrame = frame;

    // Written by the tracking thread, read by later stages (the confirmation gate): volatile.
    volatile bool _confirmed, _abandoned;

    public int Id { get; } = id;
    public int Hits { get; private set; } = 1;
    public int Misses { get; private set; }
    /// <summary>Detected often enough to be a real face; from then on it is reported.</summary>
    public bool Confirmed => _confirmed;
    /// <summary>Ended before it was confirmed: a one-off false detection, reported nowhere by default.</summary>
    public bool Abandoned => _abandoned;
    /// <summary>Whether it is known yet if the face is real.</summary>
    public bool Resolved => _confirmed || _abandoned;

    /// <summary>Where the face should be at <paramref name="frame"/> if it kept moving as it did.</summary>
    public FaceBox PredictAt(long frame)
    {
        long dt = frame - _lastFrame;
        return new FaceBox((int)Math.Round(_x + _vx * dt), (int)Math.Round(_y + _vy * dt), (int)Math.Round(_w), (int)Math.Round(_h));
    }

    public void Hit(FaceBox box, long frame, int hitsToConfirm)
    {
        long dt = Math.Max(1, frame - _lastFrame);
        // Smoothed velocity: Haar boxes jitter by a few pixels, a raw difference would amplify that.
        _vx = 0.5 * _vx + 0.5 * (box.X - _x) / dt;
        _vy = 0.5 * _vy + 0.5 * (box.Y - _y) / dt;
        (_x, _y, _w, _h) = (box.X, box.Y, box.Width, box.Height);
        _lastFrame = frame;
        Hits++;
        Misses = 0;
        if (Hits >= hitsToConfirm) _confirmed = true;
    }

    public void Miss() => Misses++;

    /// <summary>The tracker dropped it; if it was never confirmed, it was not a face.</summary>
    public void End()
    {
        if (!_confirmed) _abandoned = true;
    }
}
