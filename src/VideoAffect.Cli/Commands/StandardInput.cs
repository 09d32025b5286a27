using VideoAffect.Classification;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `classify -` and `analyze -`: what is piped in (`curl -s URL | videoaffect classify -`,
/// `yt-dlp -o - URL | videoaffect analyze -`), kept in a file of the run's own temporary folder
/// while the command runs, since every reader here reads files: OpenCV and ImageMagick for an
/// image; ffprobe, the decoder and the audio copy each open a video again. It is "-" in what is
/// printed, and "stdin" in its outputs' names (stdin.annotated.jpg, stdin.annotated.mp4).
/// </summary>
static class StandardInput
{
    /// <summary>What a user may write for standard input.</summary>
    public static bool Names(string path) => path is "-" or "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0";

    /// <summary>What is piped in and what the messages call it.</summary>
    /// <param name="Noun">"image", "video"</param>
    /// <param name="Example">a command line that pipes one in, for the message when standard input is a terminal</param>
    /// <param name="MostBytes">more is refused as not one of these</param>
    /// <param name="Extension">the extension the file gets from its first bytes, so that a reader that goes by it reads it</param>
    public sealed record Kind(string Noun, string Example, long MostBytes, Func<string, string> Extension);

    /// <summary>One image: no image is larger than 2 GiB (a 100-megapixel 16-bit PNG is about 600 MB).</summary>
    public static readonly Kind Image = new("image", "curl -s URL | videoaffect classify -", 2L << 30, ImageExtension);

    /// <summary>One video, of any length the disk holds: ffprobe and ffmpeg tell its container from its bytes.</summary>
    public static readonly Kind Video = new("video", "yt-dlp -o - URL | videoaffect analyze -", long.MaxValue, _ => "");

    /// <summary>Refuses standard input given twice, or given as a terminal; returns whether it is among <paramref name="given"/>.</summary>
    public static bool IsAmong(IReadOnlyCollection<string> given, Kind kind)
    {
        int count = given.Count(Names);
        if (count > 1) throw new VideoAffectException($"standard input ('-') holds one {kind.Noun}; give it once");
        if (count == 1 && !Console.IsInputRedirected)
            throw new VideoAffectException($"'-' is {Article(kind.Noun)} on standard input, which is a terminal; pipe one in ({kind.Example})");
        if (count == 1 && CannotEnd())
            throw new VideoAffectException($"'-' is {Article(kind.Noun)} on standard input, which is closed; pipe one in ({kind.Example})");
        return count == 1;
    }

    /// <summary>
    /// Whether standard input is a pipe this process holds the writing end of, so that reading it
    /// would wait for ever. That is what a closed standard input (`&lt;&amp;-`) becomes: the .NET
    /// runtime makes a pipe of its own at start-up, and the lowest free descriptor, 0, is its
    /// reading end (`analyze - &lt;&amp;-` waited on it until killed). Linux only (/proc).
    /// </summary>
    public static bool CannotEnd()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || new FileInfo("/proc/self/fd/0").LinkTarget is not { } target || !target.StartsWith("pipe:", StringComparison.Ordinal)) return false;
            foreach (var fd in Directory.GetFiles("/proc/self/fd"))
            {
                string name = System.IO.Path.GetFileName(fd);
                if (name == "0" || new FileInfo(fd).LinkTarget != target) continue;
                // fdinfo's flags are octal; their last digit is the access mode: 1 write-only, 2 read-write.
                string? flags = File.ReadLines($"/proc/self/fdinfo/{name}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
                if (flags is not null && flags.TrimEnd()[^1] is '1' or '2') return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a descriptor closed while looked at
        return false;
    }

    /// <summary>
    /// What is piped in, kept in a file of a folder of its own ("stdin", and the kind's extension
    /// once read), deleted with it. Its path is known before it is read, so that a command can
    /// check its options and outputs before it takes the whole of standard input.
    /// </summary>
    public sealed class Kept : IDisposable
    {
        readonly string _folder = Directory.CreateTempSubdirectory("stdin-").FullName;

        public Kept() => Path = System.IO.Path.Combine(_folder, "stdin");

        public string Path { get; private set; }

        /// <summary>Reads standard input to its end into the file; <paramref name="reading"/> is told the bytes read so far every 10 s (a long download piped in).</summary>
        public async Task ReadAsync(Kind kind, CancellationToken token, Action<long>? reading = null)
        {
            await using (var file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0))
            {
                // Waited for with the token: a writer that never writes nor closes leaves the read
                // blocked, and Ctrl-C or SIGTERM must still end the command.
                var copy = CopyAsync(Console.OpenStandardInput(), file, kind, reading);
                await copy.WaitAsync(token);
            }
            if (new FileInfo(Path).Length == 0) throw new VideoAffectException($"standard input ('-') held no {kind.Noun}: it was empty");
            string named = Path + kind.Extension(Path);
            if (named != Path) File.Move(Path, named);
            Path = named;
        }

        public void Dispose()
        {
            try { Directory.Delete(_folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Reads standard input to its end into a file of a folder of its own.</summary>
    public static async Task<Kept> ReadAsync(Kind kind, CancellationToken token)
    {
        var kept = new Kept();
        try
        {
            await kept.ReadAsync(kind, token);
            return kept;
        }
        catch
        {
            kept.Dispose();
            throw;
        }
    }

    static async Task CopyAsync(Stream input, Stream file, Kind kind, Action<long>? reading)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        var said = System.Diagnostics.Stopwatch.StartNew();
        while ((n = await input.ReadAsync(buffer)) > 0)
        {
            total += n;
            if (reading is not null && said.Elapsed >= TimeSpan.FromSeconds(10))
            {
                reading(total);
                said.Restart();
            }
            if (total > kind.MostBytes) throw new VideoAffectException($"standard input ('-') gave more than {kind.MostBytes >> 30} GiB; no {kind.Noun} is that large");
            try { await file.WriteAsync(buffer.AsMemory(0, n)); }
            catch (IOException e)
            {
                // A full disk: said in one line, as any output's would be.
                throw new VideoAffectException($"standard input ('-') could not be kept after {total >> 20} MiB: {e.Message}");
            }
        }
    }

    static string Article(string noun) => "aeiou".Contains(noun[0]) ? $"an {noun}" : $"a {noun}";

    /// <summary>The extension an image of this content has, for the annotated copy's format; none for one not known here.</summary>
    static string ImageExtension(string path)
    {
        if (ImageHeader.IsJpeg(path)) return ".jpg";
        if (ImageHeader.MagickPhotoOf(path) is { } photo) return photo.Extension;
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
