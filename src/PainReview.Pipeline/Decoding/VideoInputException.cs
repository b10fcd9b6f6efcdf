namespace PainReview.Pipeline.Decoding;

/// <summary>Why an input could not be analysed, in words a study coordinator can act on.</summary>
public enum VideoInputProblem
{
    Missing,
    Empty,
    NotAVideo,
    /// <summary>A playlist or list of other files (ffconcat, HLS): refused, never followed.</summary>
    ReferencesOtherFiles,
    NoVideoStream,
    UnsupportedCodec,
    Truncated,
    TooLarge,
    DecodeFailed,
}

/// <summary>An input that cannot be analysed. The message is meant for the user, not a developer.</summary>
public sealed class VideoInputException(VideoInputProblem problem, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public VideoInputProblem Problem { get; } = problem;
}
