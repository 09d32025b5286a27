using System.Text.RegularExpressions;
using VideoAffect.Outputs;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Safety;

/// <summary>
/// A folder as a run's output (`analyze --faces`) under the file outputs' rules: written under its
/// partial name, put in place only by a completed run, replacing an earlier result of ours in one
/// step, and never replacing or emptying a folder VideoAffect did not make, nor one that holds a
/// file it did not write.
/// </summary>
public class FolderOutputTests
{
    static readonly Regex Ours = new(@"^face\d+\.jpg$");

    static FolderOutput Claim(string path, IEnumerable<string>? inputs = null, IEnumerable<string>? outputs = null) =>
        FolderOutput.Claim(path, "faces folder", Ours, inputs ?? [], outputs ?? []);

    static void Write(FolderOutput folder, params string[] names)
    {
        foreach (string name in names) File.WriteAllText(Path.Combine(folder.Partial, name), name);
    }

    static string[] Names(string folder) => Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void A_completed_run_puts_its_folder_in_place_and_a_later_one_replaces_it_whole()
    {
        using var dir = TestPaths.NewTempFolder();
        string final = dir.File("talk.faces");
        using (var first = Claim(final))
        {
            Assert.Equal(dir.File("talk.partial.faces"), first.Partial);
            Assert.False(Directory.Exists(final), "nothing under the final name while the run goes");
            Write(first, "face1.jpg", "face2.jpg");
            first.Commit();
        }
        Assert.Equal([FolderOutput.MarkerName, "face1.jpg", "face2.jpg"], Names(final));
        Assert.False(Directory.Exists(dir.File("talk.partial.faces")));
        ulong inode = FileFacts.Of(final).Inode;

        using (var second = Claim(final))
        {
            Write(second, "face3.jpg");
            Assert.Equal([FolderOutput.MarkerName, "face1.jpg", "face2.jpg"], Names(final)); // the old result until the new one is done
            second.Commit();
        }
        Assert.Equal([FolderOutput.MarkerName, "face3.jpg"], Names(final));
        Assert.NotEqual(inode, FileFacts.Of(final).Inode); // a new folder took the name, not the old one refilled
        Assert.Equal([Path.GetFileName(final)], Names(dir.Path));
    }

    /// <summary>The replacing step itself: two folders swap names at once (Linux's renameat2 exchange), contents and all.</summary>
    [Fact]
    public void Two_folders_are_exchanged_in_one_step()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        File.WriteAllText(dir.File("a/face1.jpg"), "a");
        File.WriteAllText(dir.File("b/face2.jpg"), "b");
        Assert.True(FolderOutput.Exchange(dir.File("a"), dir.File("b")), "this file system exchanges names");
        Assert.Equal(["face2.jpg"], Names(dir.File("a")));
        Assert.Equal(["face1.jpg"], Names(dir.File("b")));
    }

    [Fact]
    public void A_run_that_does_not_complete_leaves_the_earlier_result_and_keeps_its_own_under_the_partial_name()
    {
        using var dir = TestPaths.NewTempFolder();
        string final = dir.File("talk.faces");
        using (var first = Claim(final)) { Write(first, "face1.jpg"); first.Commit(); }
        using (var stopped = Claim(final)) Write(stopped, "face7.jpg");
        Assert.Equal([FolderOutput.MarkerName, "face1.jpg"], Names(final));
        Assert.Equal([FolderOutput.MarkerName, "face7.jpg"], Names(dir.File("talk.partial.faces")));
        // The next run starts its partial folder afresh.
        using (var next = Claim(final))
        {
            Assert.Equal([FolderOutput.MarkerName], Names(next.Partial));
            Write(next, "face2.jpg");
            next.Commit();
        }
        Assert.Equal([FolderOutput.MarkerName, "face2.jpg"], Names(final));
    }

    [Fact]
    public void A_folder_VideoAffect_did_not_make_or_that_holds_another_file_is_refused_and_left_as_it_is()
    {
        using var dir = TestPaths.NewTempFolder();
        string theirs = dir.File("theirs.faces");
        Directory.CreateDirectory(theirs);
        File.WriteAllText(Path.Combine(theirs, "face1.jpg"), "a user's picture");
        Assert.Contains("a folder VideoAffect did not make", Assert.Throws<VideoAffectException>(() => Claim(theirs)).Message);
        Assert.Equal(["face1.jpg"], Names(theirs));

        string ours = dir.File("ours.faces");
        using (var run = Claim(ours)) { Write(run, "face1.jpg"); run.Commit(); }
        File.WriteAllText(Path.Combine(ours, "notes.txt"), "the user's own notes");
        Assert.Contains("holds 'notes.txt', which VideoAffect did not write", Assert.Throws<VideoAffectException>(() => Claim(ours)).Message);
        Assert.Equal([FolderOutput.MarkerName, "face1.jpg", "notes.txt"], Names(ours));

        // A file put there while a run goes: the run's result stays under its partial name.
        File.Delete(Path.Combine(ours, "notes.txt"));
        using (var run = Claim(ours))
        {
            Write(run, "face2.jpg");
            Directory.CreateDirectory(Path.Combine(ours, "album"));
            Assert.Contains("the result stays in", Assert.Throws<VideoAffectException>(run.Commit).Message);
        }
        Assert.Equal([FolderOutput.MarkerName, "album", "face1.jpg"], Names(ours));
        Assert.Equal([FolderOutput.MarkerName, "face2.jpg"], Names(dir.File("ours.partial.faces")));
    }

    [Fact]
    public void A_file_a_link_or_a_device_at_the_path_is_refused()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("file.faces"), "a file");
        Assert.Contains("is a regular file", Assert.Throws<VideoAffectException>(() => Claim(dir.File("file.faces"))).Message);
        Assert.Equal("a file", File.ReadAllText(dir.File("file.faces")));
        using (var run = Claim(dir.File("real.faces"))) run.Commit();
        Directory.CreateSymbolicLink(dir.File("link.faces"), dir.File("real.faces"));
        Assert.Contains("is a symbolic link", Assert.Throws<VideoAffectException>(() => Claim(dir.File("link.faces"))).Message);
        Assert.Contains("not a folder VideoAffect made", Assert.Throws<VideoAffectException>(() => Claim("/dev/null")).Message);
        Assert.Contains("does not exist", Assert.Throws<VideoAffectException>(() => Claim(dir.File("missing/talk.faces"))).Message);
    }

    [Fact]
    public void The_folder_may_hold_no_input_nor_another_output_and_a_second_run_waits_its_turn()
    {
        using var dir = TestPaths.NewTempFolder();
        string final = dir.File("talk.faces");
        using (var run = Claim(final)) run.Commit();
        Assert.Contains("holds the input", Assert.Throws<VideoAffectException>(() => Claim(final, inputs: [Path.Combine(final, "face1.jpg")])).Message);
        Assert.Contains("in each other's way", Assert.Throws<VideoAffectException>(() => Claim(final, outputs: [Path.Combine(final, "talk.mp4")])).Message);
        Assert.Contains("in each other's way", Assert.Throws<VideoAffectException>(() => Claim(final, outputs: [final])).Message);
        using var holding = Claim(final);
        var second = Assert.Throws<VideoAffectException>(() => Claim(final));
        Assert.Contains("is being written by another videoaffect run", second.Message);
    }
}
