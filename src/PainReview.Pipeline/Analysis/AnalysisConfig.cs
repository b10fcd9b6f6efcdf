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

    public void Validate()
    {
        if (Baseline.Percentile is < 0 or > 100) throw new InvalidDataException("baseline.percentile must be between 0 and 100.");
        if (Baseline.Mode == BaselineMode.Range && (Baseline.RangeStartSeconds is null || Baseline.RangeEndSeconds is null
            || Baseline.RangeEndSeconds <= Baseline.RangeStartSeconds))
            throw new InvalidDataException("baseline mode Range needs rangeStartSeconds < rangeEndSeconds.");
        if (Baseline.Mode == BaselineMode.Recording && string.IsNullOrWhiteSpace(Baseline.Recording))
            throw new InvalidDataException("baseline mode Recording needs the path of a neutral recording.");
        if (Smoothing.Window < 1) throw new InvalidDataException("smoothing.window must be at least 1.");
        if (Smoothing.Method == SmoothingMethod.SavitzkyGolay && Smoothing.PolyOrder >= (Smoothing.Window | 1))
            throw new InvalidDataException("smoothing.polyOrder must be below the window.");
        // Written so that NaN fails too (every comparison with NaN is false).
        if (!(Apex.Quantile > 0 && Apex.Quantile < 1)) throw new InvalidDataException("apex.quantile must be between 0 and 1 (exclusive).");
        if (Apex.Window < 0 || !(Apex.Prominence >= 0) || !double.IsFinite(Apex.Prominence))
            throw new InvalidDataException("apex.window and apex.prominence must be numbers that are not negative.");
        foreach (var (name, weight) in new[] { ("w4", Hpii.W4), ("w67", Hpii.W67), ("w9", Hpii.W9) })
            if (!(weight >= 0 && weight <= MaxWeight))
                throw new InvalidDataException($"hpii.{name} must be a number from 0 to {MaxWeight}; it is {weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        if (Hpii.W4 + Hpii.W67 + Hpii.W9 <= 0) throw new InvalidDataException("At least one HPII weight must be above 0.");
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
