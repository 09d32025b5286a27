namespace VideoAffect.Media.Nut;

/// <summary>
/// Reads the packets, each with its presentation time, that ffmpeg writes in its own NUT container
/// to a pipe or socket (`-f nut`). A live source's decoder writes its raw frames and its sound this
/// way, so each comes with the source's own time: sound is then placed beside the pictures by the
/// times the camera gave both, not by when each came out of ffmpeg (which differs by a whole HLS
/// segment, or by a B-frame camera's reordering). NUT rather than Matroska because ffmpeg's NUT
/// muxer writes each packet as it gets it, while its Matroska muxer holds a packet back until the
/// next one comes (a frame period of latency: 1 s for a 1 fps camera; measured, ffmpeg 5.1).
/// Blocking reads: the live readers stamp each packet the moment it comes, on threads of their own.
/// The layout is NUT's specification (ffmpeg's doc/nut.texi and the NUT project's nut.txt):
/// startcode-led headers whose length is given, and frames led by a frame code whose fields a
/// table in the main header describes.
/// </summary>
internal sealed class NutReader(Stream input)
{
    const ulong MainStartcode = 0x4E4D7A561F5F04AD, StreamStartcode = 0x4E5311405BF2F9DB,
        SyncpointStartcode = 0x4E4BE4ADEECA4569, IndexStartcode = 0x4E58DD672F23E64E, InfoStartcode = 0x4E49AB68B596BA78;
    static readonly byte[] FileId = "nut/multimedia container\0"u8.ToArray();

    // Frame flags (nut.txt).
    const long FlagCodedPts = 8, FlagStreamId = 16, FlagSizeMsb = 32, FlagChecksum = 64, FlagReserved = 128,
        FlagSideData = 256, FlagHeaderIndex = 1024, FlagMatchTime = 2048, FlagCoded = 4096, FlagInvalid = 8192;

    readonly Stream _input = new BufferedStream(input, 1 << 16);
    readonly FrameCode[] _codes = new FrameCode[256];
    (long Num, long Den)[] _timeBases = [];
    NutStream[] _streams = [];
    byte[][] _elisionHeaders = [[]];
    bool _started;
    /// <summary>Bytes of the current frame still in the input, to be read or skipped; the whole frame's size, with the elided header that goes before them.</summary>
    long _pending;
    int _frameSize;
    byte[] _elided = [];

    readonly record struct FrameCode(long Flags, int Stream, long SizeMul, long SizeLsb, long PtsDelta, long Reserved, int HeaderIndex);

    sealed class NutStream
    {
        public int TimeBase;
        public int MsbPtsShift;
        public long LastPts;
    }

    /// <summary>
    /// Reads up to the next frame's data: its stream (0-based, in the order of ffmpeg's outputs'
    /// streams), its presentation time in seconds and its size in bytes; false at the end of the
    /// stream. Its data is read next (<see cref="ReadData"/>) or skipped by the next call.
    /// </summary>
    /// <exception cref="InvalidDataException">not NUT, or a stream cut inside a header</exception>
    public bool Next(out NutFrame frame)
    {
        frame = default;
        if (!_started)
        {
            Span<byte> id = stackalloc byte[FileId.Length];
            if (PipeReading.ReadFully(_input, id) == 0) return false;
            if (!id.SequenceEqual(FileId)) throw new InvalidDataException("not a NUT stream");
            _started = true;
        }
        Skip(_pending);
        _pending = 0;
        while (true)
        {
            int first = _input.ReadByte();
            if (first < 0) return false;
            if (first != 'N')
            {
                frame = ReadFrameHeader(first);
                return true;
            }
            ulong startcode = (ulong)first;
            for (int i = 1; i < 8; i++) startcode = startcode << 8 | (uint)Byte();
            var content = ReadPacket();
            switch (startcode)
            {
                case MainStartcode: ReadMainHeader(new Fields(content)); break;
                case StreamStartcode: ReadStreamHeader(new Fields(content)); break;
                case SyncpointStartcode: ReadSyncpoint(new Fields(content)); break;
                case IndexStartcode or InfoStartcode: break; // nothing a reader in order needs
                default: throw new InvalidDataException($"unknown NUT startcode 0x{startcode:X16}");
            }
        }
    }

    /// <summary>The current frame's data, all of it (<paramref name="into"/> is exactly its size).</summary>
    public void ReadData(Span<byte> into)
    {
        if (into.Length != _frameSize) throw new ArgumentException($"the frame has {_frameSize} bytes, not {into.Length}", nameof(into));
        int header = _elided.Length;
        _elided.AsSpan().CopyTo(into);
        if (PipeReading.ReadFully(_input, into[header..]) < into.Length - header) throw new EndOfStreamException("the stream ended inside a frame");
        _pending = 0;
        _frameSize = 0;
        _elided = [];
    }

    NutFrame ReadFrameHeader(int code)
    {
        var c = _codes[code];
        if (_streams.Length == 0 || (c.Flags & FlagInvalid) != 0) throw new InvalidDataException($"invalid NUT frame code {code}");
        long flags = c.Flags;
        if ((flags & FlagCoded) != 0) flags ^= (long)V();
        int streamId = c.Stream;
        if ((flags & FlagStreamId) != 0) streamId = checked((int)V());
        if ((uint)streamId >= (uint)_streams.Length) throw new InvalidDataException($"NUT frame of stream {streamId} of {_streams.Length}");
        var stream = _streams[streamId];
        long pts;
        if ((flags & FlagCodedPts) != 0)
        {
            long coded = (long)V();
            long top = 1L << stream.MsbPtsShift;
            if (coded >= top) pts = coded - top;
            else
            {
                // The low bits only: the value nearest the stream's last time that has them.
                long mask = top - 1, from = stream.LastPts - mask / 2;
                pts = ((coded - from) & mask) + from;
            }
        }
        else pts = stream.LastPts + c.PtsDelta;
        long size = c.SizeLsb;
        if ((flags & FlagSizeMsb) != 0) size += c.SizeMul * (long)V();
        if ((flags & FlagMatchTime) != 0) V();
        int headerIndex = c.HeaderIndex;
        if ((flags & FlagHeaderIndex) != 0) headerIndex = checked((int)V());
        long reserved = c.Reserved;
        if ((flags & FlagReserved) != 0) reserved = (long)V();
        for (long i = 0; i < reserved; i++) V();
        if ((uint)headerIndex >= (uint)_elisionHeaders.Length) throw new InvalidDataException($"NUT elision header {headerIndex} of {_elisionHeaders.Length}");
        if (size > 4096) headerIndex = 0;
        if ((flags & FlagChecksum) != 0) Skip(4);
        if ((flags & FlagSideData) != 0) throw new InvalidDataException("NUT frame with side data (version 4), which ffmpeg writes only when asked");
        stream.LastPts = pts;
        _elided = _elisionHeaders[headerIndex];
        long data = size - _elided.Length;
        if (data < 0) throw new InvalidDataException("NUT frame shorter than its elided header");
        _pending = data;
        _frameSize = checked((int)size);
        var (num, den) = _timeBases[stream.TimeBase];
        return new NutFrame(streamId, pts * (double)num / den, checked((int)size), pts, num, den);
    }

    void ReadMainHeader(Fields f)
    {
        long version = f.V();
        if (version is < 2 or > 4) throw new InvalidDataException($"NUT version {version}");
        if (version > 3) f.V();
        long streamCount = f.V();
        if (streamCount is < 1 or > 256) throw new InvalidDataException($"NUT with {streamCount} streams");
        f.V(); // max_distance
        long timeBaseCount = f.V();
        if (timeBaseCount is < 1 or > 1024) throw new InvalidDataException($"NUT with {timeBaseCount} time bases");
        _timeBases = new (long, long)[timeBaseCount];
        for (int i = 0; i < timeBaseCount; i++)
        {
            long num = f.V(), den = f.V();
            if (num <= 0 || den <= 0) throw new InvalidDataException($"NUT time base {num}/{den}");
            _timeBases[i] = (num, den);
        }
        // The frame code table, in runs that share their fields (nut.txt, "frame_code").
        long pts = 0, mul = 1, stream = 0, headerIndex = 0;
        for (int i = 0; i < 256;)
        {
            long flags = f.V(), fields = f.V();
            if (fields > 0) pts = f.S();
            if (fields > 1) mul = f.V();
            if (fields > 2) stream = f.V();
            long size = fields > 3 ? f.V() : 0;
            long reserved = fields > 4 ? f.V() : 0;
            long count = fields > 5 ? f.V() : mul - size;
            if (fields > 6) f.S(); // match_time_delta
            if (fields > 7) headerIndex = f.V();
            for (long j = 8; j < fields; j++) f.V();
            if (count <= 0 || count > 256 - i || stream >= streamCount) throw new InvalidDataException("bad NUT frame code table");
            for (long j = 0; j < count && i < 256; j++, i++)
            {
                if (i == 'N') { _codes[i] = new FrameCode(FlagInvalid, 0, 1, 0, 0, 0, 0); j--; continue; }
                _codes[i] = new FrameCode(flags, (int)stream, mul, size + j, pts, reserved, (int)headerIndex);
            }
        }
        _elisionHeaders = [[]];
        if (f.Left > 0)
        {
            long count = f.V() + 1;
            if (count > 128) throw new InvalidDataException("bad NUT elision headers");
            _elisionHeaders = new byte[count][];
            _elisionHeaders[0] = [];
            for (int i = 1; i < count; i++) _elisionHeaders[i] = f.Bytes(checked((int)f.V()));
        }
        _streams = new NutStream[streamCount];
        for (int i = 0; i < streamCount; i++) _streams[i] = new NutStream();
    }

    void ReadStreamHeader(Fields f)
    {
        long id = f.V();
        if ((ulong)id >= (ulong)_streams.Length) throw new InvalidDataException($"NUT stream header {id} of {_streams.Length}");
        f.V(); // stream_class
        f.Bytes(checked((int)f.V())); // fourcc
        long timeBase = f.V();
        if ((ulong)timeBase >= (ulong)_timeBases.Length) throw new InvalidDataException($"NUT time base {timeBase} of {_timeBases.Length}");
        long shift = f.V();
        if (shift is < 0 or > 62) throw new InvalidDataException($"NUT msb_pts_shift {shift}");
        _streams[id].TimeBase = (int)timeBase;
        _streams[id].MsbPtsShift = (int)shift;
    }

    /// <summary>A syncpoint gives every stream's time again, in one time base (rounded down into each stream's).</summary>
    void ReadSyncpoint(Fields f)
    {
        if (_streams.Length == 0) throw new InvalidDataException("NUT syncpoint before the main header");
        ulong coded = f.U();
        var (num, den) = _timeBases[(int)(coded % (ulong)_timeBases.Length)];
        var time = (Int128)(long)(coded / (ulong)_timeBases.Length);
        foreach (var s in _streams)
        {
            var (sNum, sDen) = _timeBases[s.TimeBase];
            Int128 scaled = time * num * sDen, divisor = (Int128)den * sNum;
            s.LastPts = (long)(scaled >= 0 ? scaled / divisor : -((-scaled + divisor - 1) / divisor));
        }
    }

    /// <summary>A header packet's content after its startcode: forward_ptr bytes (a checksum of the pointer first when it is long), ending in its own checksum.</summary>
    byte[] ReadPacket()
    {
        long length = (long)V();
        if (length > 4096) Skip(4);
        if (length is < 4 or > 1 << 24) throw new InvalidDataException($"NUT header of {length} bytes");
        var content = new byte[length];
        if (PipeReading.ReadFully(_input, content) < length) throw new EndOfStreamException("the stream ended inside a NUT header");
        return content[..^4];
    }

    ulong V()
    {
        ulong value = 0;
        for (int i = 0; i < 10; i++)
        {
            int b = Byte();
            value = value << 7 | (uint)(b & 127);
            if ((b & 128) == 0) return value;
        }
        throw new InvalidDataException("NUT number longer than 64 bits");
    }

    int Byte()
    {
        int b = _input.ReadByte();
        return b >= 0 ? b : throw new EndOfStreamException("the stream ended inside a NUT header");
    }

    void Skip(long count)
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int n = _input.Read(scratch[..(int)Math.Min(count, scratch.Length)]);
            if (n == 0) throw new EndOfStreamException("the stream ended inside a NUT frame");
            count -= n;
        }
    }

    /// <summary>The fields of one header packet, read from its bytes.</summary>
    sealed class Fields(byte[] bytes)
    {
        int _at;
        public int Left => bytes.Length - _at;

        public long V() => (long)U();

        public ulong U()
        {
            ulong value = 0;
            for (int i = 0; i < 10; i++)
            {
                if (_at >= bytes.Length) throw new InvalidDataException("NUT header cut short");
                int b = bytes[_at++];
                value = value << 7 | (uint)(b & 127);
                if ((b & 128) == 0) return value;
            }
            throw new InvalidDataException("NUT number longer than 64 bits");
        }

        /// <summary>A signed number: 0, 1, -1, 2, -2... coded as 0, 1, 2, 3, 4...</summary>
        public long S()
        {
            long v = V() + 1;
            return (v & 1) != 0 ? -(v >> 1) : v >> 1;
        }

        public byte[] Bytes(int count)
        {
            if (count < 0 || count > Left) throw new InvalidDataException("NUT header cut short");
            var value = bytes.AsSpan(_at, count).ToArray();
            _at += count;
            return value;
        }
    }
}

/// <summary>One NUT frame's header: its stream, its presentation time (seconds; exactly <see cref="Pts"/> × <see cref="TimeBaseNum"/> / <see cref="TimeBaseDen"/>) and its size in bytes.</summary>
internal readonly record struct NutFrame(int Stream, double Time, int Size, long Pts, long TimeBaseNum, long TimeBaseDen);
