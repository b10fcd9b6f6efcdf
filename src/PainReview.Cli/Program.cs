using System.CommandLine;
using PainReview.Cli.Commands;
using PainReview.Cli;

var root = new RootCommand("PainReview: facial action units, HPII and APEX frames from facial video of headache pain.")
{
    AnalyzeCommand.Create(),
    FrameCommand.Create(),
    PlotCommand.Create(),
    CompareCommand.Create(),
    CohortCommand.Create(),
    PortalDataCommands.Export(),
    PortalDataCommands.Demo(),
    UploadCommand.Create(),
    AccountCommands.Users(),
    AccountCommands.Tokens(),
    AuditCommands.Audit(),
    BenchCommand.Create(),
    ModelsCommand.Create(),
};
// Errors are reported by CliErrors in one plain sentence; the parser's handler would print stack traces.
var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
return await CliErrors.RunAsync(() => root.Parse(args).InvokeAsync(invocation));
