using System.Buffers.Binary;
using System.Text;

namespace VideoAffect.Media.Matroska;

/// <summary>
/// Writes raw BGR24 frames with their timestamps as a streamable Matroska file (what ffmpeg itself
/// writes with `-allow_raw_vfw 1`: a VFW bitmap header with a negative height, i.e. top-down rows),
/// so the encoder's ffmpeg gets every frame at its own time and the output keeps the source's timing,
/// variable frame rates included. Times are in microseconds; each frame is one cluster. The track's
/// default duration (the source's average frame interval) gives the last frame its length: without
/// it an MP4's edit list ends where the last frame starts, and players drop that frame.
/// </summary>
internal sealed class RawVideoMatroskaWriter(int width, int height, double frameSeconds)
{
    const long MicrosecondNs = 1000;
    long _lastMicroseconds = -1;

    /// <summary>EBML header, an unknown-size Segment, Info and the one video track.</summary>
    public byte[] Header()
    {
        var bitmap = new byte[40];
        BinaryPrimitives.WriteInt32LittleEndian(bitmap, 40);
        BinaryPrimitives.WriteInt32LittleEndian(bitmap.AsSpan(4), width);
        BinaryPrimitives.WriteInt32LittleEndian(bitmap.AsSpan(8), -height); // negative: rows top-down
        BinaryPrimitives.WriteInt16LittleEndian(bitmap.AsSpan(12), 1);      // planes
        BinaryPrimitives.WriteInt16LittleEndian(bitmap.AsSpan(14), 24);     // bits per pixel, BI_RGB (0) = BGR
        BinaryPrimitives.WriteInt32LittleEndian(bitmap.AsSpan(20), width * height * 3);

        var ebml = Element(0x1A45DFA3, Concat(
            UInt(0x4286, 1), UInt(0x42F7, 1), UInt(0x42F2, 4), UInt(0x42F3, 8),
            Element(0x4282, "matroska"u8.ToArray()), UInt(0x4287, 4), UInt(0x4285, 2)));
        var info = Element(0x1549A966, Concat(
            UInt(0x2AD7B1, MicrosecondNs), Element(0x4D80, Encoding.ASCII.GetBytes("VideoAffect")), Element(0x5741, Encoding.ASCII.GetBytes("VideoAffect"))));
        var video = Element(0xE0, Concat(UInt(0xB0, (ulong)width), UInt(0xBA, (ulong)height)));
        var track = Element(0xAE, Concat(
            UInt(0xD7, 1), UInt(0x73C5, 1), UInt(0x83, 1), UInt(0x9C, 0),
            UInt(0x23E383, (ulong)Math.Max(1, Math.Round(frameSeconds * 1e9))), // DefaultDuration, in nanoseconds
            // Language "und": without it Matroska means English, which ffmpeg then wrote on the annotated video's track.
            Element(0x22B59C, "und"u8.ToArray()),
            Element(0x86, "V_MS/VFW/FOURCC"u8.ToArray()), Element(0x63A2, bitmap), video));
        var tracks = Element(0x1654AE6B, track);
        byte[] segmentStart = [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        return Concat(ebml, segmentStart, info, tracks);
    }

    /// <summary>
    /// The cluster header and block header that go before a frame's pixels. Times must rise: a frame
    /// not later than the one before it is moved a microsecond past it, since MP4 cannot hold two
    /// frames at one time.
    /// </summary>
    public byte[] FramePrefix(double seconds)
    {
        long us = Math.Max(0, (long)Math.Round(seconds * 1e6));
        if (us <= _lastMicroseconds) us = _lastMicroseconds + 1;
        _lastMicroseconds = us;
        long frameBytes = (long)width * height * 3;
        var timecode = UInt(0xE7, (ulong)us);
        long blockSize = 4 + frameBytes;
        var blockHeader = Concat(Id(0xA3), Size(blockSize), [0x81, 0x00, 0x00, 0x80]); // track 1, +0, keyframe
        long clusterSize = timecode.Length + blockHeader.Length + frameBytes;
        return Concat(Id(0x1F43B675), Size(clusterSize), timecode, blockHeader);
    }

    static byte[] Element(uint id, byte[] body) => Concat(Id(id), Size(body.Length), body);

    static byte[] UInt(uint id, ulong value)
    {
        int n = 1;
        while (n < 8 && value >> (8 * n) != 0) n++;
        var body = new byte[n];
        for (int i = 0; i < n; i++) body[n - 1 - i] = (byte)(value >> (8 * i));
        return Element(id, body);
    }

    static byte[] Id(uint id)
    {
        int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
        var bytes = new byte[n];
        for (int i = 0; i < n; i++) bytes[n - 1 - i] = (byte)(id >> (8 * i));
        return bytes;
    }

    /// <summary>Always the 8-byte form: simple, and large enough for any frame.</summary>
    static byte[] Size(long size)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, size);
        bytes[0] = 0x01;
        return bytes;
    }

    static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var p in parts) { p.CopyTo(all, at); at += p.Length; }
        return all;
    }
}
