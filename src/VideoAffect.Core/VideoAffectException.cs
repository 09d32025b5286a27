namespace VideoAffect;

/// <summary>
/// A failure the user can act on (bad input, missing setup, unsupported option). Its message is one
/// line that says what is wrong and, where there is one, the fix; the CLI prints it without a stack trace.
/// </summary>
public class VideoAffectException : Exception
{
    /// <summary>A failure with its one-line message.</summary>
    public VideoAffectException(string message) : base(message) { }
    /// <summary>A failure with its one-line message and the exception behind it.</summary>
    public VideoAffectException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model file that is missing, corrupt or uses something the engine cannot run.</summary>
public sealed class ModelFormatException : VideoAffectException
{
    /// <summary>A model failure with its one-line message.</summary>
    public ModelFormatException(string message) : base(message) { }
    /// <summary>A model failure with its one-line message and the exception behind it.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}
