using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace VideoAffect.Outputs;

/// <summary>
/// An output that is a folder of files (`analyze --faces`), under the rules a file output follows
/// (<see cref="OutputSet"/>): the run fills NAME.partial.EXT beside the final folder, and only a run
/// that completes puts it in place, replacing an earlier result atomically (Linux's exchanging
/// rename), so a reader sees the old folder or the new one, never half of either. Only a folder
/// this class made is ever replaced or emptied: it holds a marker file, and nothing but the files
/// the caller names as its own (a pattern of names); a folder without the marker, or with any
/// other file in it, is refused before the run, and left as it is.
/// </summary>
internal sealed partial class FolderOutput : IDisposable
{
    /// <summary>The file that says VideoAffect made the folder.</summary>
    public const string MarkerName = ".videoaffect-output";

    readonly Regex _ours;
    readonly OutputLock _lock;

    FolderOutput(string given, string what, string final, Regex ours, OutputLock held)
    {
        Given = given; What = what; Final = final; _ours = ours; _lock = held;
        Partial = OutputTarget.PartialPathOf(final);
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string Given { get; }
    public string What { get; }
    /// <summary>Where the finished folder goes.</summary>
    public string Final { get; }
    /// <summary>Where the run writes: NAME.partial.EXT beside <see cref="Final"/>.</summary>
    public string Partial { get; }

    /// <summary>
    /// Checks the folder and its partial folder against the rules and the run's other paths, locks
    /// it for the run, and makes an empty partial folder (emptying one an earlier run left).
    /// </summary>
    /// <param name="ours">the names of the files the run writes there (and their partial names, made and renamed by the writer)</param>
    /// <param name="inputs">the run's inputs: none may be inside the folder</param>
    /// <param name="outputs">the run's other outputs: none may be the folder, or inside it</param>
    public static FolderOutput Claim(string path, string what, Regex ours, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        var (final, partial) = Check(path, what, ours, inputs, outputs);
        var held = OutputLock.Acquire(final, what);
        try
        {
            if (Directory.Exists(partial)) Empty(partial, ours); // an earlier run's, stopped before it completed
            Directory.CreateDirectory(partial);
            File.WriteAllText(Path.Combine(partial, MarkerName), "Made by VideoAffect; replaced as a whole by the next run that writes here.\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw new VideoAffectException($"cannot write the {what} '{path}': {e.Message.Split('\n')[0].Trim()}");
        }
        return new FolderOutput(path, what, final, ours, held);
    }

    /// <summary>
    /// The checks of <see cref="Claim"/> without claiming anything: for a batch, whose runs' folders
    /// are all checked before the first run starts (a batch never stops half-way over a folder it
    /// may not replace). Returns the folder's final and partial paths.
    /// </summary>
    public static (string Final, string Partial) Check(string path, string what, Regex ours, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new VideoAffectException($"the {what} path is empty");
        string final = Path.GetFullPath(path).TrimEnd('/');
        string partial = OutputTarget.PartialPathOf(final);
        string parent = Path.GetDirectoryName(final)!;
        if (!Directory.Exists(parent)) throw new VideoAffectException($"cannot write the {what} '{path}': folder '{parent}' does not exist");
        foreach (string input in inputs.Where(i => !string.IsNullOrEmpty(i)))
            if (Inside(FileFacts.Canonical(input), final) || Inside(FileFacts.Canonical(input), partial))
                throw new VideoAffectException($"the {what} '{path}' holds the input '{input}'; choose another path");
        foreach (string output in outputs.Where(o => !string.IsNullOrEmpty(o) && o != "-"))
        {
            string other = Path.GetFullPath(output);
            if (other == final || other == partial || Inside(other, final) || Inside(other, partial))
                throw new VideoAffectException($"the {what} '{path}' and the output '{output}' are in each other's way; give each output its own path");
        }
        CheckReplaceable(final, path, what, ours);
        CheckReplaceable(partial, path, what, ours, isPartial: true);
        return (final, partial);
    }

    /// <summary>
    /// Puts the finished folder in place: renamed to <see cref="Final"/>, or exchanged with the
    /// earlier result there in one step, whose files are then deleted (they are ours, checked again).
    /// </summary>
    public void Commit()
    {
        CheckReplaceable(Final, Given, What, _ours, stillThere: $"; the result stays in '{Partial}'");
        if (!Directory.Exists(Final))
        {
            Directory.Move(Partial, Final);
            return;
        }
        if (Exchange(Partial, Final))
        {
            // The earlier result, now at the partial name. A file of someone else's put there since
            // the check keeps it (and the folder) as they are: the new result is in place either way.
            try
            {
                Empty(Partial, _ours);
                Directory.Delete(Partial);
            }
            catch (IOException) { }
            return;
        }
        // No exchanging rename on this file system: the earlier result goes first, then the new one
        // moves in (a reader may find no folder for that moment, never a mixed one).
        Empty(Final, _ours);
        Directory.Delete(Final);
        Directory.Move(Partial, Final);
    }

    /// <summary>Whether <paramref name="path"/> is inside the folder <paramref name="folder"/>.</summary>
    static bool Inside(string path, string folder) => path.StartsWith(folder + "/", StringComparison.Ordinal);

    /// <summary>Refuses a path that holds anything but a folder this class made with only our files in it.</summary>
    static void CheckReplaceable(string folder, string given, string what, Regex ours, bool isPartial = false, string stillThere = "")
    {
        var entry = FileFacts.OfEntry(folder);
        if (!entry.Exists) return;
        string name = isPartial ? $"its partial folder '{folder}'" : $"'{given}'";
        if (entry.Kind == FileKind.SymbolicLink)
            throw new VideoAffectException($"the {what} {name} is a symbolic link; VideoAffect never replaces one (give a folder path){stillThere}");
        if (entry.Kind != FileKind.Directory)
            throw new VideoAffectException($"the {what} {name} is {FileFacts.Describe(entry.Kind)}, not a folder VideoAffect made; it never replaces one (give another path){stillThere}");
        if (!File.Exists(Path.Combine(folder, MarkerName)))
            throw new VideoAffectException($"the {what} {name} is a folder VideoAffect did not make; it never replaces one (remove it, or give another path){stillThere}");
        if (Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).FirstOrDefault(n => n != MarkerName && !IsOurs(folder, n!, ours)) is { } foreign)
            throw new VideoAffectException($"the {what} {name} holds '{foreign}', which VideoAffect did not write; it never deletes such a file (move it out, or give another path){stillThere}");
    }

    static bool IsOurs(string folder, string name, Regex ours) =>
        File.Exists(Path.Combine(folder, name)) && FileFacts.OfEntry(Path.Combine(folder, name)).Kind == FileKind.Regular && ours.IsMatch(name);

    /// <summary>Deletes our files and the marker from a folder checked by <see cref="CheckReplaceable"/> (the folder itself stays).</summary>
    static void Empty(string folder, Regex ours)
    {
        foreach (string file in Directory.EnumerateFiles(folder).ToList())
            if (Path.GetFileName(file) == MarkerName || IsOurs(folder, Path.GetFileName(file), ours))
                File.Delete(file);
    }

    /// <summary>Swaps two paths in one step (renameat2 with RENAME_EXCHANGE); false where the kernel or file system cannot.</summary>
    internal static bool Exchange(string a, string b)
    {
        const int AtCurrentDirectory = -100, RenameExchange = 2;
        try
        {
            if (renameat2(AtCurrentDirectory, a, AtCurrentDirectory, b, RenameExchange) == 0) return true;
        }
        catch (EntryPointNotFoundException) { return false; } // a C library without renameat2
        int error = Marshal.GetLastPInvokeError();
        const int InvalidArgument = 22, NotImplemented = 38;
        if (error is InvalidArgument or NotImplemented) return false;
        throw new VideoAffectException($"cannot move '{a}' into place at '{b}': error {error} ({Marshal.GetPInvokeErrorMessage(error)})");
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int renameat2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    public void Dispose() => _lock.Dispose();
}
