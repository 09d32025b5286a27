using System.Diagnostics;
using OpenCvSharp;
using VideoAffect.Media;

namespace VideoAffect.Live;

/// <summary>
/// A stream's pictures for the HTTP endpoint: its latest annotated frame as JPEG, for the live
/// preview, and its recent tracks' faces (<see cref="Faces"/>). Frames are encoded only while
/// someone watches (at most <see cref="MaxFps"/> a second), plus the first one so a snapshot is
/// always there; watchers wait for the next picture instead of polling.
/// </summary>
internal sealed class PreviewHub
{
    /// <summary>Each recent track's most confident face; none when the run anonymizes faces.</summary>
    public Reports.TrackFaces Faces { get; } = new(Reports.TrackFaces.RecentTracks);

    readonly object _gate = new();
    TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    byte[]? _jpeg;
    long _version, _lastEncoded;
    int _viewers;

    public double MaxFps { get; init; } = 5;
    public byte[]? Latest { get { lock (_gate) return _jpeg; } }

    public void Offer(VideoFrame frame)
    {
        if (Volatile.Read(ref _viewers) == 0 && Latest is not null) return;
        long now = Stopwatch.GetTimestamp();
        if (_lastEncoded != 0 && Stopwatch.GetElapsedTime(_lastEncoded, now).TotalSeconds < 1 / MaxFps) return;
        _lastEncoded = now;
        byte[] jpeg;
        using (var mat = frame.AsMat())
            Cv2.ImEncode(".jpg", mat, out jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 80));
        TaskCompletionSource done;
        lock (_gate)
        {
            _jpeg = jpeg;
            _version++;
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    /// <summary>The next picture newer than <paramref name="seen"/> (the first call returns the latest at once).</summary>
    public async Task<(byte[] Jpeg, long Version)> NextAsync(long seen, CancellationToken token)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_jpeg is not null && _version > seen) return (_jpeg, _version);
                wait = _next.Task;
            }
            await wait.WaitAsync(token);
        }
    }

    /// <summary>Counts a watcher for as long as the result is not disposed.</summary>
    public IDisposable Watch()
    {
        Interlocked.Increment(ref _viewers);
        return new Viewer(this);
    }

    sealed class Viewer(PreviewHub hub) : IDisposable
    {
        int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref hub._viewers);
        }
    }
}
