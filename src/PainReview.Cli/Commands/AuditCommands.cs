using System.CommandLine;
using PainReview.Data.Audit;

namespace PainReview.Cli.Commands;

/// <summary>The audit trail's integrity, checked without the portal: 'painreview audit verify'.</summary>
internal static class AuditCommands
{
    public static Command Audit()
    {
        var data = PortalDataCommands.DataOption();
        var anchor = new Option<string?>("--anchor")
        {
            Description = "A head hash printed by an earlier verify and kept elsewhere: the trail must still contain that event.",
        };
        var verify = new Command("verify", "Check the audit trail's hash chain: every event unaltered, none removed, none inserted.") { data, anchor };
        verify.SetAction(async (r, ct) =>
        {
            await using var db = PortalDataCommands.Open(r.GetValue(data)!);
            var result = await AuditChain.VerifyAsync(db, r.GetValue(anchor), ct);
            if (!result.Intact)
            {
                Console.Error.WriteLine($"error: {result.Message}");
                return CliErrors.BrokenAuditTrail;
            }
            Console.WriteLine(result.Message);
            return CliErrors.Ok;
        });
        return new Command("audit", "The portal's audit trail.") { verify };
    }
}
