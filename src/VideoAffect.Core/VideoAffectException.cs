namespace VideoAffect;

/// <summary>
/// A failure the user can act on (bad input, missing setup, unsupported option). Its message is one
/// line that says what is wrong and, where there is one, the fix; the CLI prints it without a stack trace.
/// </summary>
public class VideoAffectException : Exception
{
    public VideoAffectException(string message) : base(message) { }
    public VideoAffectException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model file that is missing, corrupt or uses something the engine cannot run.</summary>
public sealed class ModelFormatException : VideoAffectException
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}
