namespace VideoAffect.Media;

/// <summary>Reading ffmpeg's raw frames out of a pipe.</summary>
static class PipeReading
{
    /// <summary>Fills <paramref name="buffer"/> unless the pipe ends first; returns how many bytes came.</summary>
    public static async Task<int> ReadFullyAsync(Stream input, Memory<byte> buffer, CancellationToken token)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await input.ReadAsync(buffer[total..], token);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>The same, blocking the calling thread until the bytes come or the pipe ends.</summary>
    public static int ReadFully(Stream input, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = input.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
