using System.Collections.Concurrent;

namespace VideoAffect.Media;

/// <summary>
/// Pinned BGR frame buffers of one size, recycled so the steady state allocates none. Pinned so
/// that OpenCV can wrap them as Mats without copying.
/// </summary>
internal sealed class FrameBufferPool(int bufferBytes)
{
    readonly ConcurrentBag<byte[]> _free = new();

    public int BufferBytes { get; } = bufferBytes;

    public byte[] Rent() => _free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);

    public void Return(byte[] buffer)
    {
        if (buffer.Length == BufferBytes) _free.Add(buffer);
    }
}
