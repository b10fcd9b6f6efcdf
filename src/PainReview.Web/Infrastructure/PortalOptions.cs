namespace PainReview.Web.Infrastructure;

/// <summary>The portal's settings (section "PainReview"; environment variables PAINREVIEW_*).</summary>
public sealed class PortalOptions
{
    public const string Section = "PainReview";

    /// <summary>Folder for the embedded database and the video store; other paths may use {DataDirectory}.</summary>
    public string DataDirectory { get; set; } = "data";
    public string Database { get; set; } = "Data Source={DataDirectory}/painreview.db";
    public string VideoStore { get; set; } = "{DataDirectory}/videos";
    /// <summary>Largest upload accepted, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 2L << 30;
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
