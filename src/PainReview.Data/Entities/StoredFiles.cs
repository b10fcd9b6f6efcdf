namespace PainReview.Data.Entities;

/// <summary>
/// How a recording's video is named in the video store, the one rule for uploads (portal, API,
/// manifest) and demo imports (portal and command line): the recording's id, never the uploader's
/// name (it can name the participant), with the original extension in lower case when it looks like
/// one (a dot and 1 to 5 letters or digits), else <c>.bin</c>.
/// </summary>
public static class StoredFiles
{
    public static string NameFor(Guid recordingId, string originalFileName)
    {
        var extension = Path.GetExtension(Path.GetFileName(originalFileName)).ToLowerInvariant();
        return recordingId.ToString("N") + (extension.Length is > 1 and <= 6 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension : ".bin");
    }
}
