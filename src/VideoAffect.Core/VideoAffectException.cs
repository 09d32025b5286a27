namespace VideoAffect;

/// <summary>
/// A failure the user can act on (bad input, missing setup, unsupported option). Its message is one
/// line that says what is wrong and, where there is one, the fix; the CLI prints it without a stack trace.
/// </summary>
public class VideoAffectException : Exception
{
    /// <summary>A failure with its one-line message.</summary>
    public VideoAffectException(string message) : base(OneLine(message)) { }
    /// <summary>A failure with its one-line message and the exception behind it.</summary>
    public VideoAffectException(string message, Exception inner) : base(OneLine(message), inner) { }

    /// <summary>
    /// Messages quote what files say (a model's layer names, a cascade's numbers, ffmpeg's reasons),
    /// and a damaged or hostile file can put a line break or a terminal escape sequence there: the
    /// message keeps one line and shows such characters as escapes (\n, \u001b) instead.
    /// </summary>
    static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        message = message.TrimEnd(); // a quoted tool's final line break is no part of the message
        var line = new System.Text.StringBuilder(message.Length + 8);
        foreach (char c in message)
            line.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return line.ToString();
    }
}

/// <summary>A model file that is missing, corrupt or uses something the engine cannot run.</summary>
public sealed class ModelFormatException : VideoAffectException
{
    /// <summary>A model failure with its one-line message.</summary>
    public ModelFormatException(string message) : base(message) { }
    /// <summary>A model failure with its one-line message and the exception behind it.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Standard output's reader went away (`... --events - | head`): the run stops as a shell
/// pipeline expects, instead of going on with nobody reading.
/// </summary>
public sealed class StandardOutputClosedException : VideoAffectException
{
    /// <summary>The one-line message every command gives for it.</summary>
    public StandardOutputClosedException() : base("standard output was closed by the program reading it; stopped") { }
}
