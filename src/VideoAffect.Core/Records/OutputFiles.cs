namespace VideoAffect.Records;

/// <summary>
/// Output paths and their lifecycle: a run writes NAME.partial.EXT and renames it to NAME.EXT only
/// when it completes, so an interrupted run never leaves a file that looks complete.
/// </summary>
public static class OutputFiles
{
    public static string PartialPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"{Path.GetFileNameWithoutExtension(path)}.partial{Path.GetExtension(path)}");

    /// <summary>Fails early, with a clear message, if <paramref name="path"/> cannot be written.</summary>
    public static void CheckWritable(string path, string what)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (Directory.Exists(full)) throw new VideoAffectException($"{what} '{path}' is a folder, not a file path");
        if (dir is null || !Directory.Exists(dir)) throw new VideoAffectException($"cannot write {what} '{path}': folder '{dir}' does not exist");
        // Permissions alone do not tell (root ignores them; a read-only mount does not): try it.
        string probe = Path.Combine(dir, $".videoaffect-write-test-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write {what} '{path}': permission denied in '{dir}'"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write {what} '{path}': {OneLine(e)}"); }
    }

    /// <summary>
    /// Appends whole records and flushes them, so a stop leaves only whole lines; a failed write
    /// (disk full, device gone) is the project's one-line error.
    /// </summary>
    public static void Append(FileStream file, ReadOnlySpan<byte> bytes)
    {
        try
        {
            file.Write(bytes);
            file.Flush();
        }
        catch (IOException e) { throw new VideoAffectException($"writing '{file.Name}' failed: {OneLine(e)}"); }
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
    public static void Close(FileStream file)
    {
        try { file.Dispose(); }
        catch (IOException) { }
    }

    /// <summary>Moves a finished partial file to its final name, replacing an older result.</summary>
    public static void Promote(string partial, string final)
    {
        if (File.Exists(partial)) File.Move(partial, final, overwrite: true);
    }
}
