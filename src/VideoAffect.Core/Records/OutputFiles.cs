namespace VideoAffect.Records;

/// <summary>
/// Writing record files: whole records, flushed, and one-line errors. Which paths may be written,
/// and how they get their final names, is <see cref="Outputs.OutputSet"/>'s business.
/// </summary>
internal static class OutputFiles
{
    /// <summary>
    /// Appends whole records and flushes them, so a stop leaves only whole lines; a failed write
    /// (disk full, device gone) is the project's one-line error.
    /// </summary>
    public static void Append(Stream file, ReadOnlySpan<byte> bytes)
    {
        long before = -1;
        try
        {
            if (file is FileStream { CanSeek: true } f)
            {
                // A file truncated from outside (logrotate's copytruncate of a monitor's records) is
                // written from its new end: at the old position the kernel would fill the gap with zeros.
                if (f.Length < f.Position) f.Seek(0, SeekOrigin.End);
                before = f.Position;
            }
            file.Write(bytes);
            file.Flush();
        }
        catch (IOException e)
        {
            // A write cut short (a full disk takes what fits) leaves no piece of a record behind.
            if (before >= 0) CutBack((FileStream)file, before);
            throw new VideoAffectException($"writing {(file is FileStream f ? $"'{f.Name}'" : "standard output")} failed: {OneLine(e)}");
        }
    }

    static void CutBack(FileStream file, long length)
    {
        try
        {
            file.SetLength(length);
            file.Seek(length, SeekOrigin.Begin);
        }
        catch (IOException) { } // the next whole-line check (a restart's) cuts it instead
    }

    static string OneLine(Exception e) => e.Message.Split('\n')[0].Trim().TrimEnd('.'); // the caller goes on after it ("...: reason; the stream goes on")

    public static FileStream Create(string path)
    {
        // Unbuffered: records are written whole per frame anyway, and a write that fails (disk
        // full) leaves nothing behind in a buffer to fail again when the file is closed.
        try { return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0); }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write '{path}': permission denied"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write '{path}': {OneLine(e)}"); }
    }

    /// <summary>
    /// A records file to add to (a monitor's, kept across restarts), created if missing, at its end.
    /// An unfinished last line (the machine lost power mid-write, the disk filled) is cut back to
    /// the last whole line first: it is no record, and the next one would be glued to it.
    /// </summary>
    public static FileStream OpenToAppend(string path)
    {
        FileStream file;
        try { file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0); }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write '{path}': permission denied"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write '{path}': {OneLine(e)}"); }
        try
        {
            file.SetLength(WholeLinesLength(file));
            file.Seek(0, SeekOrigin.End);
            return file;
        }
        catch (IOException e)
        {
            file.Dispose();
            throw new VideoAffectException($"cannot write '{path}': {OneLine(e)}");
        }
    }

    /// <summary>The length up to and including the file's last line break (0 without one).</summary>
    static long WholeLinesLength(FileStream file)
    {
        var block = new byte[64 * 1024];
        for (long end = file.Length; end > 0;)
        {
            int count = (int)Math.Min(block.Length, end);
            file.Seek(end - count, SeekOrigin.Begin);
            file.ReadExactly(block, 0, count);
            int last = block.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (last >= 0) return end - count + last + 1;
            end -= count;
        }
        return 0;
    }

    /// <summary>A file's first line (without its line break), or null for an empty file; the position is left at the end.</summary>
    public static string? FirstLine(FileStream file)
    {
        if (file.Length == 0) return null;
        file.Seek(0, SeekOrigin.Begin);
        using var reader = new StreamReader(file, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        string? line = reader.ReadLine();
        file.Seek(0, SeekOrigin.End);
        return line;
    }

    /// <summary>Closes a record file; a failure here was already reported by the write that failed.</summary>
    public static void Close(Stream file)
    {
        try { file.Dispose(); }
        catch (IOException) { }
    }
}
