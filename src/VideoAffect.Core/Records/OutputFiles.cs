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
        try
        {
            file.Write(bytes);
            file.Flush();
        }
        catch (IOException e) { throw new VideoAffectException($"writing {(file is FileStream f ? $"'{f.Name}'" : "standard output")} failed: {OneLine(e)}"); }
    }

    static string OneLine(Exception e) => e.Message.Split('\n')[0].Trim();

    public static FileStream Create(string path)
    {
        // Unbuffered: records are written whole per frame anyway, and a write that fails (disk
        // full) leaves nothing behind in a buffer to fail again when the file is closed.
        try { return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0); }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write '{path}': permission denied"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write '{path}': {OneLine(e)}"); }
    }

    /// <summary>Closes a record file; a failure here was already reported by the write that failed.</summary>
    public static void Close(Stream file)
    {
        try { file.Dispose(); }
        catch (IOException) { }
    }
}
