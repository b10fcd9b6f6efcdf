using Microsoft.Extensions.Options;
using PainReview.Data;

namespace PainReview.Web.Infrastructure;

/// <summary>Which part of the portal a process runs (PainReview:Role).</summary>
public enum PortalRole
{
    All,
    Web,
    Worker,
}

/// <summary>Where Hangfire keeps its jobs (PainReview:JobStorage).</summary>
public enum JobStorageKind
{
    InMemory,
    PostgreSql,
}

/// <summary>Checks the settings when the host starts (ValidateOnStart), with a sentence saying what to set.</summary>
public sealed class PortalOptionsValidator : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

/// <summary>The portal's settings (section "PainReview"; environment variables PAINREVIEW_*).</summary>
public sealed class PortalOptions
{
    public const string Section = "PainReview";

    /// <summary>Folder for the embedded database and the video store; other paths may use {DataDirectory}.</summary>
    public string DataDirectory { get; set; } = "data";
    public string Database { get; set; } = "Data Source={DataDirectory}/painreview.db";
    /// <summary>Sqlite (embedded, the default) or PostgreSql (for several processes and machines).</summary>
    public DatabaseProvider DatabaseProvider { get; set; } = DatabaseProvider.Sqlite;
    /// <summary>InMemory (embedded, one process) or PostgreSql (shared by web and worker processes; uses <see cref="Database"/>).</summary>
    public JobStorageKind JobStorage { get; set; } = JobStorageKind.InMemory;
    /// <summary>all (pages and jobs, the default), web (pages only) or worker (jobs only, no pages); any letter case.</summary>
    public PortalRole Role { get; set; } = PortalRole.All;
    /// <summary>How long a worker's claim on a recording holds without being renewed; then another worker takes over.</summary>
    public int LeaseSeconds { get; set; } = 30;
    /// <summary>ONNX Runtime execution provider for the face models: Cpu, or Cuda on GPU workers (needs the GPU build of ONNX Runtime).</summary>
    public PainReview.Pipeline.Faces.ExecutionProvider ExecutionProvider { get; set; } = PainReview.Pipeline.Faces.ExecutionProvider.Cpu;

    public bool ServesPages => Role != PortalRole.Worker;
    public bool RunsJobs => Role != PortalRole.Web;
    public bool SharedJobStorage => JobStorage == JobStorageKind.PostgreSql;

    /// <summary>What is wrong with this combination of settings, or null (checked at start: <see cref="PortalOptionsValidator"/>).</summary>
    public string? Problem() =>
        Role != PortalRole.All && !SharedJobStorage
            ? $"A separate {Role.ToString().ToLowerInvariant()} process needs job storage shared with the others: set PainReview:JobStorage=PostgreSql (and PainReview:DatabaseProvider=PostgreSql)."
            : SharedJobStorage && DatabaseProvider != DatabaseProvider.PostgreSql
                ? "PostgreSQL job storage needs the PostgreSQL app database: set PainReview:DatabaseProvider=PostgreSql."
                : null;
    public string VideoStore { get; set; } = "{DataDirectory}/videos";
    /// <summary>Largest upload accepted, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 2L << 30;
    /// <summary>Uploads are refused (as if the disk were full) when less than this is free on the video store's disk.</summary>
    public long MinFreeDiskBytes { get; set; } = 256L << 20;
    /// <summary>Days a deleted recording's files are kept before an Admin may purge them.</summary>
    public int DeletedRetentionDays { get; set; } = 30;
    /// <summary>A signed-in session ends after this many minutes without a request.</summary>
    public int IdleTimeoutMinutes { get; set; } = 30;
    /// <summary>How often open sessions and pages re-check the account (lock, roles, sign-out), in seconds.</summary>
    public int RevalidateSeconds { get; set; } = 30;
    /// <summary>Names this deployment's key ring; defaults to one derived from its database, so two instances never accept each other's cookies.</summary>
    public string? InstanceName { get; set; }
    /// <summary>Proxies (IP addresses) whose X-Forwarded-For/-Proto headers are trusted; none by default.</summary>
    public string[] KnownProxies { get; set; } = [];
    /// <summary>Playable copies (ffmpeg encoders) made at once in this process; the rest wait in the media queue.</summary>
    public int MediaEncoders { get; set; } = 1;
    /// <summary>Analyses running at once in this process (each holds one set of face models).</summary>
    public int Workers { get; set; } = 1;
    /// <summary>Face models folder; null finds ./models or $PAINREVIEW_MODELS.</summary>
    public string? Models { get; set; }
    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }

    public string Resolve(string value) => value.Replace("{DataDirectory}", Path.GetFullPath(DataDirectory), StringComparison.Ordinal);
    public string DatabaseConnection => Resolve(Database);
    public string VideoStorePath => Path.GetFullPath(Resolve(VideoStore));
}
