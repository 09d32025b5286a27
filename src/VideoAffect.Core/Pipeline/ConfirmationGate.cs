using System.Threading.Channels;
using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>What becomes of faces whose track is not (yet) confirmed as a real face.</summary>
internal enum TentativeFaces
{
    /// <summary>Frames wait until each of their faces is known to be real or not; those that were not are removed (files: exact, a detection round of delay).</summary>
    HoldAndDrop,
    /// <summary>Faces not confirmed yet are removed at once (live: no delay; a face shows from its confirmation on).</summary>
    Drop,
    /// <summary>Frames wait as with <see cref="HoldAndDrop"/>, but faces that were never confirmed stay, marked tentative.</summary>
    HoldAndMark,
}

/// <summary>
/// Keeps one-off false detections out of the video, the records, the counts and the report: a face
/// is reported only when its track is confirmed (detected again at the next detection round).
/// Frames without a tracker's faces pass straight through; the stage keeps frame order.
/// </summary>
internal sealed class ConfirmationGate(TentativeFaces policy)
{
    readonly Queue<VideoFrame> _waiting = new();

    /// <summary>Faces removed because their track was never confirmed.</summary>
    public long Removed { get; private set; }

    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                if (policy == TentativeFaces.Drop)
                {
                    Filter(frame, final: false);
                    await output.WriteAsync(frame, token);
                    continue;
                }
                // A track's fate is settled by later frames, which the tracker has seen by the time they arrive here.
                _waiting.Enqueue(frame);
                while (_waiting.TryPeek(out var head) && head.Faces.All(f => f.Track is not { Resolved: false }))
                    await ReleaseAsync(_waiting.Dequeue(), output, token);
            }
            // The input ended: a track still unconfirmed now never will be.
            while (_waiting.TryDequeue(out var rest)) await ReleaseAsync(rest, output, token);
        }
        catch (Exception e) { error = e; throw; }
        finally
        {
            foreach (var frame in _waiting) frame.Dispose();
            _waiting.Clear();
            output.TryComplete(error ?? input.UpstreamError());
        }
    }

    async ValueTask ReleaseAsync(VideoFrame frame, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Filter(frame, final: true);
        try { await output.WriteAsync(frame, token); }
        catch { frame.Dispose(); throw; }
    }

    void Filter(VideoFrame frame, bool final)
    {
        if (policy == TentativeFaces.HoldAndMark && final) return;
        for (int i = frame.Faces.Count - 1; i >= 0; i--)
            if (frame.Faces[i].Track is { Confirmed: false })
            {
                frame.Faces[i].ReleaseInput();
                frame.Uncounted.Add(frame.Faces[i].Box);
                frame.Faces.RemoveAt(i);
                Removed++;
            }
    }
}
