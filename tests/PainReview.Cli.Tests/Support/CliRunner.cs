using System.Diagnostics;

namespace PainReview.Cli.Tests.Support;

/// <summary>Runs the real <c>painreview</c> command in its own process, as a user would.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "painreview.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PAINREVIEW_MODELS"] = TestEnvironment.Models.Path;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"painreview {string.Join(' ', args)} did not finish in 3 minutes.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
