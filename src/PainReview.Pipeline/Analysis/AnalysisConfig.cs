using System.Text.Json;
using System.Text.Json.Serialization;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Analysis;

public enum BaselineMode
{
    /// <summary>A low percentile of each (AU-oriented) feature over the recording's usable frames.</summary>
    Auto,
    /// <summary>The median over an explicit neutral time range of the same recording.</summary>
    Range,
    /// <summary>The median over a separate neutral recording of the same participant.</summary>
    Recording,
    /// <summary>MediaPipe's canonical face: the population neutral, used for still images.</summary>
    Population,
}

public sealed record BaselineConfig
{
    public BaselineMode Mode { get; init; } = BaselineMode.Auto;
    /// <summary>Percentile for <see cref="BaselineMode.Auto"/> (0-100).</summary>
    public double Percentile { get; init; } = 10;
    public double? RangeStartSeconds { get; init; }
    public double? RangeEndSeconds { get; init; }
    /// <summary>Path of the neutral recording for <see cref="BaselineMode.Recording"/>.</summary>
    public string? Recording { get; init; }
}

public enum SmoothingMethod { None, Median, SavitzkyGolay }

public sealed record SmoothingConfig
{
    public SmoothingMethod Method { get; init; } = SmoothingMethod.Median;
    /// <summary>Window in frames (odd; even values are raised by one).</summary>
    public int Window { get; init; } = 5;
    /// <summary>Polynomial order for Savitzky-Golay.</summary>
    public int PolyOrder { get; init; } = 2;
}

public enum CombineRule { Max, Sum }

public sealed record HpiiConfig
{
    public double W4 { get; init; } = 1;
    public double W67 { get; init; } = 1;
    public double W9 { get; init; } = 1;
    /// <summary>How AU6 and AU7 (orbital tightening) combine: max, as PSPI does, or sum.</summary>
    public CombineRule Combine { get; init; } = CombineRule.Max;
}

public enum ApexStrategy { TopQuantile, Peaks, Single }

public sealed record ApexConfig
{
    public ApexStrategy Strategy { get; init; } = ApexStrategy.TopQuantile;
    /// <summary>TopQuantile: frames with HPII at or above this quantile of the recording.</summary>
    public double Quantile { get; init; } = 0.75;
    /// <summary>Peaks: minimum prominence of a local maximum of HPII.</summary>
    public double Prominence { get; init; } = 0.5;
    /// <summary>Peaks: each peak widened by this many frames on each side.</summary>
    public int Window { get; init; } = 3;
    /// <summary>Drop usable frames below the first quartile of HPII before selecting and summarising.</summary>
    public bool FirstQuartileFilter { get; init; }
    /// <summary>Never select frames flagged as smiles (<see cref="FrameRecord.Smile"/>) as APEX.</summary>
    public bool SkipSmiles { get; init; }
}

/// <summary>Everything that changes the numbers: recorded in every result.</summary>
public sealed record AnalysisConfig
{
    public BaselineConfig Baseline { get; init; } = new();
    public SmoothingConfig Smoothing { get; init; } = new();
    public HpiiConfig Hpii { get; init; } = new();
    public ApexConfig Apex { get; init; } = new();
    public QualityOptions Quality { get; init; } = new();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static AnalysisConfig Load(string path)
    {
        try
        {
            var config = JsonSerializer.Deserialize<AnalysisConfig>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path} is empty.");
            config.Validate();
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} is not a valid configuration: {e.Message}", e);
        }
    }

    /// <summary>Weights beyond this only scale HPII out of any readable range.</summary>
    public const double MaxWeight = 100;

    /// <summary>Refuses a configuration with any mistake; the message has one sentence per mistake.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidDataException(string.Join(" ", problems));
    }

    /// <summary>Every mistake in the configuration, one plain sentence each (empty when it is valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        static string N(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problems = new List<string>();
        foreach (var (name, part) in new (string, object?)[] { ("baseline", Baseline), ("smoothing", Smoothing), ("hpii", Hpii), ("apex", Apex), ("quality", Quality) })
            if (part is null) problems.Add($"{name} must be an object, not null.");
        if (problems.Count > 0) return problems;
        if (!Enum.IsDefined(Baseline.Mode)) problems.Add($"baseline.mode must be one of {string.Join(", ", Enum.GetNames<BaselineMode>())}.");
        if (!(Baseline.Percentile >= 0 && Baseline.Percentile <= 100)) problems.Add("baseline.percentile must be between 0 and 100.");
        if (Baseline.Mode == BaselineMode.Range && (Baseline.RangeStartSeconds is not { } start || Baseline.RangeEndSeconds is not { } end
            || !double.IsFinite(start) || !double.IsFinite(end) || start < 0 || end <= start))
            problems.Add("baseline mode Range needs rangeStartSeconds < rangeEndSeconds.");
        if (Baseline.Mode == BaselineMode.Recording && string.IsNullOrWhiteSpace(Baseline.Recording))
            problems.Add("baseline mode Recording needs the neutral recording: its file for the command, its timepoint (such as baseline-neutral) in a study.");
        if (!Enum.IsDefined(Smoothing.Method)) problems.Add($"smoothing.method must be one of {string.Join(", ", Enum.GetNames<SmoothingMethod>())}.");
        if (Smoothing.Window < 1) problems.Add("smoothing.window must be at least 1.");
        else if (Smoothing.Method == SmoothingMethod.SavitzkyGolay && (Smoothing.PolyOrder < 0 || Smoothing.PolyOrder >= (Smoothing.Window | 1)))
            problems.Add("smoothing.polyOrder must be below the window.");
        // Written so that NaN fails too (every comparison with NaN is false).
        if (!(Apex.Quantile > 0 && Apex.Quantile < 1)) problems.Add("apex.quantile must be between 0 and 1 (exclusive).");
        if (!Enum.IsDefined(Apex.Strategy)) problems.Add($"apex.strategy must be one of {string.Join(", ", Enum.GetNames<ApexStrategy>())}.");
        if (Apex.Window < 0 || !(Apex.Prominence >= 0) || !double.IsFinite(Apex.Prominence))
            problems.Add("apex.window and apex.prominence must be numbers that are not negative.");
        if (!Enum.IsDefined(Hpii.Combine)) problems.Add($"hpii.combine must be one of {string.Join(", ", Enum.GetNames<CombineRule>())}.");
        var weightsValid = true;
        foreach (var (name, weight) in new[] { ("w4", Hpii.W4), ("w67", Hpii.W67), ("w9", Hpii.W9) })
            if (!(weight >= 0 && weight <= MaxWeight))
            {
                weightsValid = false;
                problems.Add($"hpii.{name} must be a number from 0 to {MaxWeight}; it is {N(weight)}.");
            }
        if (weightsValid && Hpii.W4 + Hpii.W67 + Hpii.W9 <= 0) problems.Add("At least one HPII weight must be above 0.");
        foreach (var (name, limit) in new[] { ("maxAbsYaw", Quality.MaxAbsYaw), ("maxAbsPitch", Quality.MaxAbsPitch), ("maxAbsRoll", Quality.MaxAbsRoll) })
            if (!(limit > 0 && limit <= 180))
                problems.Add($"quality.{name} must be an angle above 0 and at most 180 degrees; it is {N(limit)}.");
        return problems;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
