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
    }

    public static FileStream Create(string path)
    {
        try { return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read); }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write '{path}': permission denied"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write '{path}': {e.Message}"); }
    }

    /// <summary>Moves a finished partial file to its final name, replacing an older result.</summary>
    public static void Promote(string partial, string final)
    {
        if (File.Exists(partial)) File.Move(partial, final, overwrite: true);
    }
}
