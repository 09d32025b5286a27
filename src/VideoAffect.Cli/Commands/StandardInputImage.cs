using VideoAffect.Classification;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `classify -`: an image piped in (`curl -s URL | videoaffect classify -`), kept in a file of the
/// run's own temporary folder while the command runs, since every decoder here reads files (OpenCV,
/// ImageMagick). It is "-" in what is printed, and "stdin" in an annotated copy's name
/// (stdin.annotated.jpg), its extension told by its first bytes.
/// </summary>
static class StandardInputImage
{
    /// <summary>What a user may write for standard input.</summary>
    public static bool Names(string path) => path is "-" or "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0";

    /// <summary>No image is larger (a 100-megapixel 16-bit PNG is about 600 MB).</summary>
    const long MostBytes = 2L << 30;

    /// <summary>Reads standard input to its end into a file, and returns the file's path.</summary>
    public static async Task<string> ReadAsync(CancellationToken token)
    {
        if (!Console.IsInputRedirected)
            throw new VideoAffectException("'-' is an image on standard input, which is a terminal; pipe one in (curl -s URL | videoaffect classify -)");
        string path = Path.Combine(Path.GetTempPath(), $"stdin-{Environment.ProcessId}");
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0))
        {
            // Waited for with the token: a writer that never writes nor closes leaves the read
            // blocked, and Ctrl-C or SIGTERM must still end the command.
            var copy = CopyAsync(Console.OpenStandardInput(), file);
            await copy.WaitAsync(token);
        }
        long length = new FileInfo(path).Length;
        if (length == 0) throw new VideoAffectException("standard input ('-') held no image: it was empty");
        string named = Path.Combine(Path.GetTempPath(), "stdin" + ExtensionOf(path));
        File.Move(path, named, overwrite: true);
        return named;
    }

    static async Task CopyAsync(Stream input, Stream file)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = await input.ReadAsync(buffer)) > 0)
        {
            total += n;
            if (total > MostBytes) throw new VideoAffectException($"standard input ('-') gave more than {MostBytes >> 30} GiB; no image is that large");
            await file.WriteAsync(buffer.AsMemory(0, n));
        }
    }

    /// <summary>The extension an image of this content has, for the annotated copy's format; none for one not known here.</summary>
    static string ExtensionOf(string path)
    {
        if (ImageHeader.IsJpeg(path)) return ".jpg";
        if (ImageHeader.Describe(path) is { } photo) return photo switch { "AVIF" => ".avif", "JPEG XL" => ".jxl", _ => ".heic" };
        Span<byte> head = stackalloc byte[12];
        using (var file = File.OpenRead(path)) head = head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) return ".png";
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return ".webp";
        if (head.StartsWith("GIF8"u8)) return ".gif";
        if (head.StartsWith("BM"u8)) return ".bmp";
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)) return ".tif";
        return "";
    }
}
