namespace VideoAffect.Media;

/// <summary>
/// Writes raw frames into an ffmpeg input pipe. ffmpeg opens an input by reading its first 10
/// bytes (the check for an ID3v2 tag) and seeking back, which on a pipe only works when those bytes
/// arrive in one read. Frames smaller than that (a 1x1 BGR frame is 3 bytes) written one at a time
/// lost the first 10 bytes, which dropped and misaligned frames. So the first bytes are held back
/// until there are at least <see cref="FirstWriteBytes"/> (or the input ends); everything after
/// goes through frame by frame.
/// </summary>
internal sealed class FfmpegPipeWriter(Stream pipe, bool flushEachFrame)
{
    public const int FirstWriteBytes = 64;
    MemoryStream? _held = new();

    public async Task WriteAsync(ReadOnlyMemory<byte> frame)
    {
        if (_held is not null)
        {
            _held.Write(frame.Span);
            if (_held.Length < FirstWriteBytes) return;
            frame = _held.ToArray();
            _held = null;
        }
        await pipe.WriteAsync(frame, CancellationToken.None);
        if (flushEachFrame) await pipe.FlushAsync(CancellationToken.None);
    }

    /// <summary>Sends what is still held back, for an input shorter than the first write.</summary>
    public async Task CompleteAsync()
    {
        if (_held is not { Length: > 0 }) return;
        var rest = _held.ToArray();
        _held = null;
        await pipe.WriteAsync(rest, CancellationToken.None);
        await pipe.FlushAsync(CancellationToken.None);
    }
}
