namespace VideoAffect.Media.Matroska;

/// <summary>
/// Reads the raw BGR24 frames, each with its timestamp, that ffmpeg writes as Matroska to a pipe
/// (`-c:v rawvideo -allow_raw_vfw 1 -f matroska`). A raw byte stream would lose the timestamps, and
/// those are each frame's own presentation time: the only right time for AVI packets without pts,
/// variable frame rates or streams that start late. The reader walks EBML elements flat: containers
/// (Segment, Info, Cluster, BlockGroup) are entered, blocks are read, everything else is skipped,
/// so unknown-size clusters of a live muxer are no special case.
/// </summary>
internal sealed class RawVideoMatroskaReader(Stream input)
{
    const uint Segment = 0x18538067, Info = 0x1549A966, TimecodeScale = 0x2AD7B1, Cluster = 0x1F43B675,
        ClusterTimecode = 0xE7, SimpleBlock = 0xA3, BlockGroup = 0xA0, Block = 0xA1;

    readonly Stream _input = new BufferedStream(input, 1 << 16);
    readonly byte[] _scratch = new byte[8];
    long _timecodeScaleNs = 1_000_000; // Matroska's default: milliseconds
    long _clusterTimecode;

    /// <summary>
    /// Reads the next frame into <paramref name="frame"/> and returns its time in timecode ticks
    /// times the timecode scale, in nanoseconds; null at the end of the stream.
    /// </summary>
    /// <exception cref="InvalidDataException">a block whose size is not one frame, or a stream cut inside an element</exception>
    public async Task<long?> ReadFrameAsync(Memory<byte> frame, CancellationToken token)
    {
        while (true)
        {
            var id = await ReadIdAsync(token);
            if (id is null) return null;
            long size = await ReadSizeAsync(token);
            switch (id.Value)
            {
                case Segment or Info or Cluster or BlockGroup:
                    continue; // enter: their children follow
                case TimecodeScale:
                    _timecodeScaleNs = (long)await ReadUnsignedAsync((int)size, token);
                    continue;
                case ClusterTimecode:
                    _clusterTimecode = (long)await ReadUnsignedAsync((int)size, token);
                    continue;
                case SimpleBlock or Block:
                    return await ReadBlockAsync(size, frame, token);
                default:
                    if (size < 0) throw new InvalidDataException($"element 0x{id:X} of unknown size");
                    await SkipAsync(size, token);
                    continue;
            }
        }
    }

    async Task<long> ReadBlockAsync(long size, Memory<byte> frame, CancellationToken token)
    {
        // Track number (a 1-byte vint for track 1), a signed 16-bit time relative to the cluster, flags.
        await ReadExactAsync(_scratch.AsMemory(0, 4), token);
        if ((_scratch[0] & 0x80) == 0) throw new InvalidDataException("block with a multi-byte track number");
        if ((_scratch[3] & 0x06) != 0) throw new InvalidDataException("laced block (several frames in one)");
        short relative = (short)(_scratch[1] << 8 | _scratch[2]);
        long payload = size - 4;
        if (payload != frame.Length) throw new InvalidDataException($"a frame of {payload} bytes where {frame.Length} were expected");
        await ReadExactAsync(frame, token);
        return (_clusterTimecode + relative) * _timecodeScaleNs;
    }

    async Task<uint?> ReadIdAsync(CancellationToken token)
    {
        int first = await ReadByteAsync(token, allowEnd: true);
        if (first < 0) return null;
        int length = LeadingLength(first, maxLength: 4);
        uint id = (uint)first;
        for (int i = 1; i < length; i++) id = id << 8 | (uint)await ReadByteAsync(token);
        return id;
    }

    /// <summary>An element size; -1 for "unknown" (all value bits set).</summary>
    async Task<long> ReadSizeAsync(CancellationToken token)
    {
        int first = await ReadByteAsync(token);
        int length = LeadingLength(first, maxLength: 8);
        long value = first & (0xFF >> length);
        bool allOnes = value == (0xFF >> length);
        for (int i = 1; i < length; i++)
        {
            int b = await ReadByteAsync(token);
            value = value << 8 | (uint)b;
            allOnes &= b == 0xFF;
        }
        return allOnes ? -1 : value;
    }

    static int LeadingLength(int first, int maxLength)
    {
        for (int length = 1; length <= maxLength; length++)
            if ((first & (0x80 >> (length - 1))) != 0) return length;
        throw new InvalidDataException($"bad EBML variable-length number (first byte 0x{first:X2})");
    }

    async Task<ulong> ReadUnsignedAsync(int size, CancellationToken token)
    {
        if (size is < 0 or > 8) throw new InvalidDataException($"integer element of {size} bytes");
        await ReadExactAsync(_scratch.AsMemory(0, size), token);
        ulong value = 0;
        for (int i = 0; i < size; i++) value = value << 8 | _scratch[i];
        return value;
    }

    async Task<int> ReadByteAsync(CancellationToken token, bool allowEnd = false)
    {
        int n = await _input.ReadAsync(_scratch.AsMemory(0, 1), token);
        if (n == 1) return _scratch[0];
        if (allowEnd) return -1;
        throw new EndOfStreamException("the stream ended inside an element");
    }

    async Task ReadExactAsync(Memory<byte> buffer, CancellationToken token)
    {
        if (await PipeReading.ReadFullyAsync(_input, buffer, token) < buffer.Length)
            throw new EndOfStreamException("the stream ended inside an element");
    }

    async Task SkipAsync(long size, CancellationToken token)
    {
        var buffer = new byte[(int)Math.Min(size, 1 << 16)];
        while (size > 0)
        {
            int n = (int)Math.Min(size, buffer.Length);
            await ReadExactAsync(buffer.AsMemory(0, n), token);
            size -= n;
        }
    }
}
