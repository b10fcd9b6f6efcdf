using PainReview.Pipeline.Decoding;
using PainReview.Pipeline.Models;

namespace PainReview.Cli;

/// <summary>Exit codes and error reporting: users see one plain sentence, never a stack trace.</summary>
internal static class CliErrors
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 3;
    public const int ModelsMissing = 4;
    /// <summary>'audit verify': the audit trail's hash chain is broken (an event altered, removed or inserted).</summary>
    public const int BrokenAuditTrail = 5;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    public static int Report(Exception e)
    {
        var (code, message) = e switch
        {
            VideoInputException v => (BadInput, v.Message),
            ModelSetupException m => (ModelsMissing, m.Message),
            OperationCanceledException => (Cancelled, "Cancelled."),
            FileNotFoundException f => (BadInput, f.Message),
            DirectoryNotFoundException d => (BadInput, d.Message),
            UnauthorizedAccessException u => (BadInput, u.Message),
            IOException io => (Failure, io.Message),
            InvalidDataException d => (BadInput, d.Message),
            _ => (Failure, $"Unexpected error: {e.Message}"),
        };
        Console.Error.WriteLine($"error: {message}");
        if (Environment.GetEnvironmentVariable("PAINREVIEW_DEBUG") == "1") Console.Error.WriteLine(e);
        return code;
    }
}
