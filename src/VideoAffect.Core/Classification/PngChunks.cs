using System.Buffers.Binary;
using System.IO.Hashing;

namespace VideoAffect.Classification;

/// <summary>
/// A PNG's chunks, walked before libpng (inside OpenCV) sees the file. libpng prints its own
/// warnings on stderr, outside our one-line messages, for chunks that describe the picture rather
/// than hold it: a colour profile made for another colour type (a grey photo saved with its RGB
/// camera profile), a profile it knows to be wrong ("known incorrect sRGB profile", common on the
/// web), a rendering intent, significant bits, background or time out of range. OpenCV uses none
/// of them (its pixels are the same with or without them: <c>PngMetadataTests</c>),
/// so they are left out of the bytes it decodes, and a run on such files prints nothing of libpng's.
/// </summary>
internal static class PngChunks
{
    /// <summary>Chunks libpng reads and checks that OpenCV never asks for (colour, text, time).</summary>
    static readonly HashSet<string> UnusedByOpenCv =
        ["cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "cLLI", "mDCV", "bKGD", "hIST", "pHYs", "sPLT", "tIME", "iTXt", "tEXt", "zTXt", "oFFs", "pCAL", "sCAL"];

    public static bool IsPng(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <summary>Null when the PNG's chunks are whole (lengths, CRCs, IEND); else what is wrong. Not a PNG: null.</summary>
    public static string? Damage(byte[] data)
    {
        if (!IsPng(data)) return null;
        foreach (var chunk in Walk(data))
        {
            if (chunk.Truncated) return "it is truncated";
            var typeAndData = data.AsSpan(chunk.Start + 4, 4 + chunk.Length);
            if (Crc32.HashToUInt32(typeAndData) != BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(chunk.Start + 8 + chunk.Length)))
                return $"its {chunk.Type} chunk is damaged (CRC mismatch)";
        }
        return null;
    }

    /// <summary>The PNG without the chunks OpenCV does not use; the same array when it has none (or is not a whole PNG).</summary>
    public static byte[] WithoutUnusedMetadata(byte[] data)
    {
        if (!IsPng(data)) return data;
        var kept = new List<(int Start, int Size)>();
        bool any = false;
        foreach (var chunk in Walk(data))
        {
            if (chunk.Truncated) return data; // Damage says so; nothing is rewritten
            if (UnusedByOpenCv.Contains(chunk.Type)) any = true;
            else kept.Add((chunk.Start, 12 + chunk.Length));
        }
        if (!any) return data;
        var result = new byte[Signature.Length + kept.Sum(k => k.Size)];
        Signature.CopyTo(result);
        int at = Signature.Length;
        foreach (var (start, size) in kept)
        {
            data.AsSpan(start, size).CopyTo(result.AsSpan(at));
            at += size;
        }
        return result;
    }

    readonly record struct Chunk(string Type, int Start, int Length, bool Truncated);

    /// <summary>Each chunk up to IEND, in order; a chunk that runs past the end of the data is the last, marked truncated.</summary>
    static IEnumerable<Chunk> Walk(byte[] data)
    {
        int at = Signature.Length;
        while (true)
        {
            if (at + 12 > data.Length) { yield return new Chunk("", at, 0, true); yield break; }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            if (length > int.MaxValue || at + 12 + (long)length > data.Length) { yield return new Chunk("", at, 0, true); yield break; }
            string type = System.Text.Encoding.ASCII.GetString(data, at + 4, 4);
            yield return new Chunk(type, at, (int)length, false);
            if (type == "IEND") yield break;
            at += 12 + (int)length;
        }
    }

    static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
}
