namespace VideoAffect.Outputs;

/// <summary>
/// A folder a run writes files into as it goes (monitor's records, recordings and faces): made if
/// missing, and tried with a file of its own before anything starts, so a path that cannot be a
/// folder or cannot be written (empty, '-', a file or a device, under /proc, a read-only mount, no
/// permission) is one line at the start rather than an unexpected failure later.
/// </summary>
internal static class OutputFolder
{
    public static void Prepare(string? path, string what)
    {
        Check(path, what);
        if (path is null) return;
        try
        {
            Directory.CreateDirectory(path);
            using (File.Create(Path.Combine(path, $".videoaffect-write-test-{Environment.ProcessId}"), 1, FileOptions.DeleteOnClose)) { }
        }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write the {what} '{path}': permission denied"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write the {what} '{path}': {e.Message.Split('\n')[0].Trim()}"); }
    }

    /// <summary>What can be told without touching the disk: not empty, not standard output, not a file.</summary>
    public static void Check(string? path, string what)
    {
        if (path is null) return;
        if (string.IsNullOrWhiteSpace(path)) throw new VideoAffectException($"the {what} path is empty");
        if (path == "-") throw new VideoAffectException($"the {what} cannot be standard output ('-'); give a folder");
        if (File.Exists(path)) throw new VideoAffectException($"the {what} '{path}' is a file, not a folder; give a folder (it is made if missing)");
        // `--records faces.csv` or `--record lobby.mp4` meant a file, and got a folder of that name
        // with the files inside. A folder that already exists is taken whatever its name.
        string extension = Path.GetExtension(Path.TrimEndingDirectorySeparator(path)).ToLowerInvariant();
        if (FileExtensions.Contains(extension) && !Directory.Exists(path))
            throw new VideoAffectException($"the {what} '{path}' is named like a {extension} file, but it names a folder to write files into (made if missing); give a folder name such as '{Path.ChangeExtension(Path.TrimEndingDirectorySeparator(path), null)}'{Hint(what, extension)}");
    }

    /// <summary>Extensions of the files a user might mean instead of a folder: records, tables, videos, pictures, archives.</summary>
    static readonly string[] FileExtensions =
        [".csv", ".jsonl", ".ndjson", ".json", ".txt", ".log", ".tsv", ".parquet", ".xlsx",
         ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".jpg", ".jpeg", ".png", ".zip", ".tar", ".gz"];

    static string Hint(string what, string extension) =>
        what == "records folder" && extension == ".csv" ? " (with --records-format csv for CSV files)" : "";
}
