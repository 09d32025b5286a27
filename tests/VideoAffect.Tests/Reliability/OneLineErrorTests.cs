using System.Text;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// Every error a user sees is one line, even where it quotes what a damaged or hostile file says:
/// line breaks and terminal escape sequences in it are shown as escapes. (Found by the loader
/// fuzzer in a 10-minute hunt: a mutated base64 op name decoded to "BiasAdd\n,Relu".)
/// </summary>
public class OneLineErrorTests
{
    [Fact]
    public void Control_characters_in_a_message_are_shown_as_escapes()
    {
        Assert.Equal("a\\nb\\u001b[31mc\\td", new VideoAffectException("a\nb\u001b[31mc\td\n").Message);
        Assert.Equal("plain – ünïcode", new VideoAffectException("plain – ünïcode").Message);
        Assert.Equal("x\\r\\ny", new ModelFormatException("x\r\ny", new IOException()).Message);
    }

    [Fact]
    public void A_model_whose_op_names_hold_a_line_break_and_an_escape_sequence_fails_on_one_line()
    {
        using var dir = TestPaths.NewTempFolder();
        string hostile = Convert.ToBase64String(Encoding.UTF8.GetBytes("Relu\n\u001b[2J"));
        string json = File.ReadAllText(Path.Combine(TestPaths.ModelDirectory, "emotion.json"));
        Assert.Contains("\"UmVsdQ==\"", json); // "Relu", base64, as TF.js writes the fused ops
        File.WriteAllText(dir.File("emotion.json"), json.Replace("\"UmVsdQ==\"", $"\"{hostile}\""));
        File.Copy(Path.Combine(TestPaths.ModelDirectory, "emotion.bin"), dir.File("emotion.bin"));
        var e = Assert.ThrowsAny<VideoAffectException>(() => TfjsGraphModelLoader.Load(dir.File("emotion.json")));
        Assert.Contains("Relu\\n\\u001b[2J", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }
}
