using VideoAffect.Records;

namespace VideoAffect.Live;

/// <summary>
/// A stream's records file for a monitor that must go on watching: a write that fails (the disk
/// is full, the folder's file system gone read-only) is said once, counted as the stream's error,
/// and the records of the frames meanwhile are lost; every later frame tries again, and the first
/// that is written says how many were lost. Before 0.16 a full records disk stopped the whole
/// monitor (every camera, the live page, the brokers), which a service manager then restarted
/// into the same full disk.
/// </summary>
internal sealed class ContinuingRecordWriter(IRecordWriter inner, StreamStatus status, Action<string>? log) : IRecordWriter
{
    long _lostFrames, _lostFaces;

    public long Records => inner.Records - _lostFaces;

    public void Write(FrameRecord frame)
    {
        try { inner.Write(frame); }
        catch (VideoAffectException e)
        {
            status.RecordsNotWritten(_lostFrames == 0 ? e.Message : null);
            if (_lostFrames == 0)
            {
                log?.Invoke($"{status.Name}: {e.Message}; the stream goes on, its records are lost until they can be written again");
            }
            _lostFrames++;
            _lostFaces += frame.Faces.Count;
            return;
        }
        if (_lostFrames == 0) return;
        log?.Invoke($"{status.Name}: records written again ({_lostFrames} frames' records lost)");
        _lostFrames = 0;
    }

    public void Dispose() => inner.Dispose();
}
