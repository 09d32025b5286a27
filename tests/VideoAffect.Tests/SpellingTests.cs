namespace VideoAffect.Tests;

/// <summary>The word meant by a mistyped one: near enough, and the only one that near.</summary>
public class SpellingTests
{
    [Theory]
    [InlineData("monitor", "monitor", 0)]
    [InlineData("monitr", "monitor", 1)] // left out
    [InlineData("moniitor", "monitor", 1)] // typed
    [InlineData("analyse", "analyze", 1)] // changed
    [InlineData("rstp", "rtsp", 1)] // neighbours swapped
    [InlineData("--detect-evry", "--detect-every", 1)]
    [InlineData("recrods", "records", 1)]
    [InlineData("sauce", "source", 2)]
    [InlineData("", "abc", 3)]
    public void Distance_counts_letters_typed_left_out_changed_and_swapped(string a, string b, int edits)
    {
        Assert.Equal(edits, Spelling.Distance(a, b));
        Assert.Equal(edits, Spelling.Distance(b, a));
    }

    [Theory]
    [InlineData("--detect-evry", "--detect-every")]
    [InlineData("--Detect-Every", null)] // the same word in other case is not a typo to name
    [InlineData("--min-faces", "--min-face")]
    [InlineData("--scalefactor", "--scale-factor")]
    [InlineData("--face", null)] // --min-face and --max-face are as near: not guessed
    [InlineData("--xyz", null)]
    [InlineData("--smothing", "--smoothing")]
    [InlineData("--smoothng", "--smoothing")]
    public void Nearest_names_the_one_word_meant(string typed, string? meant) =>
        Assert.Equal(meant, Spelling.Nearest(typed, ["--detect-every", "--min-face", "--max-face", "--scale-factor", "--smoothing", "--records"]));

    [Fact]
    public void A_short_word_gets_one_edit_whatever_its_dashes() =>
        Assert.Null(Spelling.Nearest("--seconds", ["--records"])); // two edits in seven letters: another word
}
