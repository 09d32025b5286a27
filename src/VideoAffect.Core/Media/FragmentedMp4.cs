using System.Buffers.Binary;

namespace VideoAffect.Media;

/// <summary>
/// What a fragmented MP4 (ftyp, an empty moov, then moof + mdat pairs, as monitor records its
/// segments) holds that a player can show, read from its boxes. A recording cut by a full disk or
/// a killed writer ends inside a box: the samples before the cut play, and one cut through does not.
/// </summary>
internal static class FragmentedMp4
{
    /// <summary>
    /// True only where the file certainly holds no frame a player shows: it ends before its moov
    /// is whole, or before its first fragment's first sample (a key frame: fragments start at one)
    /// is, as a segment cut by a full disk early on. Whatever it cannot tell (a layout that is not
    /// ours) counts as holding a frame, so that a recording is never deleted for being read wrong.
    /// </summary>
    public static bool HoldsNoFrame(string path)
    {
        try { return EndsBeforeAFrame(path); }
        catch (ArgumentException) { return false; } // a box shorter than its fields say: not ours to judge
    }

    static bool EndsBeforeAFrame(string path)
    {
        // Only box headers and the first moof are read: a whole segment of an hour is gigabytes.
        using var file = File.OpenRead(path);
        long length = file.Length, at = 0;
        bool moov = false;
        var header = new byte[16];
        while (at + 8 <= length)
        {
            file.Position = at;
            int read = file.ReadAtLeast(header, 16, throwOnEndOfStream: false);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (size == 1 && read == 16) size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            else if (size == 0) size = length - at;
            string type = System.Text.Encoding.ASCII.GetString(header, 4, 4);
            // Not boxes as ours are (no ftyp first; samples outside fragments, as in a plain MP4): not ours to judge.
            if (size < 8 || (at == 0 && type != "ftyp") || type == "mdat") return false;
            if (at + size > length) return true; // cut inside this box (ftyp, moov or the first moof), before any sample was whole
            if (type == "moov") moov = true;
            else if (type == "moof")
            {
                // The first fragment decides: a later one exists only if this one was written whole.
                if (!moov || size > MostMoofBytes) return false;
                var moof = new byte[size];
                file.Position = at;
                file.ReadExactly(moof);
                return FirstSample(moof, (int)size) is { } sample && at + sample.End > length;
            }
            at += size;
        }
        return true; // ended (or empty) before any fragment
    }

    /// <summary>A moof lists a fragment's samples: a second of 60 fps video takes a few KB; more is no fragment of ours.</summary>
    const long MostMoofBytes = 1 << 20;

    /// <summary>The whole boxes between two offsets, in order; a box cut short ends the list.</summary>
    static IEnumerable<(string Type, int Start, int End)> Boxes(byte[] bytes, int from, int to)
    {
        int at = from;
        while (at + 8 <= to)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            int header = 8;
            if (size == 1)
            {
                if (at + 16 > to) yield break;
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(at + 8));
                header = 16;
            }
            else if (size == 0) size = to - at;
            if (size < header || at + size > to) yield break;
            yield return (System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4), at, (int)(at + size));
            at += (int)size;
        }
    }

    /// <summary>
    /// Where the fragment's first sample lies, from the moof's start (its track's tfhd and first
    /// trun: the base is the moof, as default-base-is-moof says), or null where they do not say
    /// (an explicit base offset in tfhd, which a segment of ours never has, is not followed).
    /// </summary>
    static (long Start, long End)? FirstSample(byte[] bytes, int moofEnd)
    {
        foreach (var (type, start, end) in Boxes(bytes, 8, moofEnd))
        {
            if (type != "traf") continue;
            long? defaultSize = null;
            foreach (var (child, at, childEnd) in Boxes(bytes, start + 8, end))
            {
                var box = bytes.AsSpan(at, childEnd - at);
                uint flags = BinaryPrimitives.ReadUInt32BigEndian(box[8..]) & 0xFFFFFF;
                if (child == "tfhd")
                {
                    int field = 16; // after the track id
                    if ((flags & 0x1) != 0) return null;
                    if ((flags & 0x2) != 0) field += 4;
                    if ((flags & 0x8) != 0) field += 4;
                    if ((flags & 0x10) != 0) defaultSize = BinaryPrimitives.ReadUInt32BigEndian(box[field..]);
                }
                else if (child == "trun")
                {
                    if (BinaryPrimitives.ReadUInt32BigEndian(box[12..]) == 0) return null; // no sample
                    int field = 16;
                    long dataOffset = 0;
                    if ((flags & 0x1) != 0) { dataOffset = BinaryPrimitives.ReadInt32BigEndian(box[field..]); field += 4; }
                    if ((flags & 0x4) != 0) field += 4;
                    if ((flags & 0x100) != 0) field += 4;
                    long? size = (flags & 0x200) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(box[field..]) : defaultSize;
                    return size is { } known ? (dataOffset, dataOffset + known) : null;
                }
            }
        }
        return null;
    }
}
