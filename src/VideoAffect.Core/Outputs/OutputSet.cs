namespace VideoAffect.Outputs;

/// <summary>
/// One output of a run: written under <see cref="Partial"/> while the run goes on and given its
/// final name by <see cref="OutputSet.Commit"/> only when the run completes. An output whose path is
/// the null device is <see cref="Discarded"/>: the run skips it (`-o /dev/null` writes no video).
/// </summary>
internal sealed class OutputTarget
{
    internal OutputTarget(string given, string what, string canonical, bool discarded, bool standardOutput = false, bool pipe = false)
    {
        Given = given;
        What = what;
        Final = canonical;
        Discarded = discarded;
        StandardOutput = standardOutput;
        Pipe = pipe;
        Partial = discarded || Streamed ? canonical : PartialPathOf(canonical);
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string Given { get; }
    /// <summary>What it is ("output video"), for messages.</summary>
    public string What { get; }
    /// <summary>Where the finished file goes: the canonical path (a symbolic link is followed to the file it names).</summary>
    public string Final { get; }
    /// <summary>Where the run writes: NAME.partial.EXT beside <see cref="Final"/>, so the final rename is atomic.</summary>
    public string Partial { get; }
    public bool Discarded { get; }
    /// <summary>Written to the process's standard output as the run goes ('-'): no file, no partial name, nothing to claim or commit.</summary>
    public bool StandardOutput { get; }
    /// <summary>
    /// An existing named pipe or terminal (a program's FIFO, bash's <c>&gt;(...)</c>, /dev/stderr, /dev/tty),
    /// written into as the run goes, as standard output is: never replaced, no partial name.
    /// </summary>
    public bool Pipe { get; }
    /// <summary>Written as the run goes into something read as it is written: standard output or a pipe.</summary>
    public bool Streamed => StandardOutput || Pipe;
    /// <summary>Whether this output is a file of its own (not discarded, not streamed).</summary>
    public bool IsFile => !Discarded && !Streamed;

    public static string PartialPathOf(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"{Path.GetFileNameWithoutExtension(path)}.partial{Path.GetExtension(path)}");
}

/// <summary>
/// The rules every command follows before it writes anything, so that no user file is destroyed:
/// <list type="bullet">
/// <item>no output, nor its partial file, may be one of the run's inputs (by path or by identity, through links) or another output;</item>
/// <item>an existing output that is not a regular file (a device, FIFO, socket or folder) is never replaced; the null device means "write nothing";
/// a stream of records may be written into a named pipe or a terminal, as into standard output;</item>
/// <item>each output is claimed with a lock for the whole run, so a second run on the same outputs is refused while the first holds them;</item>
/// <item>a finished output replaces the old one atomically (rename), and only when the run completes.</item>
/// </list>
/// </summary>
internal sealed class OutputSet : IDisposable
{
    static readonly Lazy<FileIdentity> NullDevice = new(() => FileFacts.Of("/dev/null"));

    readonly List<(string Given, string Canonical, FileIdentity Identity)> _inputs = [];
    readonly List<OutputTarget> _outputs = [];
    readonly List<OutputLock> _locks = [];

    /// <summary>Files the run reads; null entries are ignored.</summary>
    public OutputSet(IEnumerable<string?> inputs)
    {
        foreach (string? input in inputs)
            if (!string.IsNullOrEmpty(input))
                _inputs.Add((input, FileFacts.Canonical(input), FileFacts.Of(input)));
    }

    /// <summary>Declares an output and checks it against the inputs and the outputs declared before it.</summary>
    /// <param name="path">The path; '-' is standard output where <paramref name="streamAllowed"/>, else refused (never a file named '-').</param>
    /// <param name="what">What it is, for messages ("events file").</param>
    /// <param name="streamAllowed">
    /// The output is a stream of lines that can be read as it is written (records): '-' (or
    /// /dev/stdout) is standard output, and an existing named pipe or terminal is written into.
    /// </param>
    public OutputTarget Add(string path, string what, bool streamAllowed = false)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new VideoAffectException($"the {what} path is empty");
        if (path == "-" || (streamAllowed && PipeOutput.IsStandardOutput(path)))
            return streamAllowed
                ? Remember(new OutputTarget(path, what, "-", discarded: false, standardOutput: true))
                : throw new VideoAffectException($"the {what} cannot go to standard output ('-'); give a file path (or /dev/null to write no {what})");
        // Standard error, whatever it is (a terminal, a pipe, a log file a shell opened), gets the lines where it stands.
        if (streamAllowed && PipeOutput.IsStandardError(path))
            return Remember(new OutputTarget(path, what, path, discarded: false, pipe: true));
        var identity = FileFacts.Of(path);
        if (identity.Exists && identity.Kind != FileKind.Regular)
        {
            if (identity == NullDevice.Value) return Remember(new OutputTarget(path, what, "/dev/null", discarded: true));
            // Written into, not replaced: the reader of a FIFO or of bash's >(...) (/dev/fd/N, whose
            // link names no path), or a terminal. Other devices are never opened (that can act on them).
            if (streamAllowed && (identity.Kind == FileKind.Fifo || FileFacts.IsTerminal(path)))
                return Remember(new OutputTarget(path, what, Path.GetFullPath(path), discarded: false, pipe: true));
            throw new VideoAffectException($"{what} '{path}' is {FileFacts.Describe(identity.Kind)}, not a regular file; VideoAffect never replaces one (give a file path, or /dev/null to write no {what})");
        }
        var target = new OutputTarget(path, what, FileFacts.Canonical(path), discarded: false);
        // Links that lead to a file, or to where one can be made, are followed; what is left is a loop.
        if (FileFacts.OfEntry(target.Final).Kind == FileKind.SymbolicLink)
            throw new VideoAffectException($"{what} '{path}' is a symbolic link that leads to no file (a loop of links); VideoAffect never replaces one (give a file path)");
        foreach (var (given, canonical, inputIdentity) in _inputs)
        {
            if (SameFile(target.Final, identity, canonical, inputIdentity))
                throw new VideoAffectException($"{what} '{path}' is the input '{given}'; choose another path (VideoAffect never overwrites its input)");
            if (target.Partial == canonical || (inputIdentity.Exists && FileFacts.Of(target.Partial) == inputIdentity))
                throw new VideoAffectException($"{what} '{path}' would be written as '{target.Partial}', which is the input '{given}'; choose another path");
        }
        foreach (var other in _outputs.Where(o => o.IsFile))
        {
            if (other.Final == target.Final)
                throw new VideoAffectException($"{what} '{path}' is also the {other.What}; give each output its own path");
            if (other.Partial == target.Final || other.Final == target.Partial)
                throw new VideoAffectException($"{what} '{path}' collides with the partial file of the {other.What} ('{other.Given}'); give each output its own path");
        }
        return Remember(target);
    }

    OutputTarget Remember(OutputTarget target)
    {
        _outputs.Add(target);
        return target;
    }

    static bool SameFile(string outputCanonical, FileIdentity output, string inputCanonical, FileIdentity input) =>
        outputCanonical == inputCanonical || (output.Exists && input.Exists && output.Device == input.Device && output.Inode == input.Inode);

    /// <summary>
    /// Checks that every output's folder can be written and locks every output for this run. Call it
    /// once all outputs are declared and before anything is written.
    /// </summary>
    public void Claim()
    {
        foreach (var target in _outputs.Where(o => o.IsFile))
        {
            CheckWritable(target);
            _locks.Add(OutputLock.Acquire(target.Final, target.What));
        }
    }

    /// <summary>Gives a finished output its final name, atomically; a partial file that was never written is skipped.</summary>
    public static void Commit(OutputTarget target)
    {
        if (!target.IsFile || !File.Exists(target.Partial)) return;
        // Checked again: something may have been put at the final path while the run went on.
        var there = FileFacts.Of(target.Final);
        if (there.Exists && there.Kind != FileKind.Regular)
            throw new VideoAffectException($"{target.What} '{target.Given}' became {FileFacts.Describe(there.Kind)} during the run; the result stays in '{target.Partial}'");
        try { File.Move(target.Partial, target.Final, overwrite: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoAffectException($"cannot move '{target.Partial}' to '{target.Given}': {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>A small finished output in one go: written under its partial name, then renamed into place.</summary>
    public static void WriteWhole(OutputTarget target, string text)
    {
        if (!target.IsFile) return;
        try { File.WriteAllText(target.Partial, text); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(target.Partial); } catch (IOException) { }
            throw new VideoAffectException($"cannot write {target.What} '{target.Given}': {e.Message.Split('\n')[0]}");
        }
        Commit(target);
    }

    static void CheckWritable(OutputTarget target)
    {
        string dir = Path.GetDirectoryName(target.Final)!;
        if (!Directory.Exists(dir)) throw new VideoAffectException($"cannot write {target.What} '{target.Given}': folder '{dir}' does not exist");
        var partial = FileFacts.Of(target.Partial);
        if (partial.Exists && partial.Kind != FileKind.Regular)
            throw new VideoAffectException($"cannot write {target.What} '{target.Given}': its partial file '{target.Partial}' is {FileFacts.Describe(partial.Kind)}");
        // Permissions alone do not tell (root ignores them; a read-only mount does not): try it. The
        // probe is named after the output, like its lock file, so a run killed while it exists (a
        // cluster node's, mid-claim) leaves one that the next run on that output replaces and removes.
        string probe = Path.Combine(dir, $".{Path.GetFileName(target.Final)}.videoaffect-write-test");
        // The output's name, or those made beside it (this probe, its lock, its partial file), over
        // the 255 bytes a file name may have: said as such, not as the probe's "path too long".
        const int LongestName = 255;
        int longest = new[] { probe, target.Partial, target.Final }.Max(p => System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(p)));
        if (longest > LongestName)
            throw new VideoAffectException($"cannot write {target.What} '{target.Given}': its name is {System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(target.Final))} bytes, and with the partial and lock files made beside it over the {LongestName} a file name may have: name it shorter");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (UnauthorizedAccessException) { throw new VideoAffectException($"cannot write {target.What} '{target.Given}': permission denied in '{dir}'"); }
        catch (IOException e) { throw new VideoAffectException($"cannot write {target.What} '{target.Given}': {e.Message.Split('\n')[0].Trim()}"); }
    }

    public void Dispose()
    {
        foreach (var held in _locks) held.Dispose();
        _locks.Clear();
    }
}
