using System.Runtime.CompilerServices;
using PainReview.Data.Entities;
using PainReview.Data.Review;

namespace PainReview.Web.Features.Review;

/// <summary>One frame as the review timeline shows it.</summary>
/// <param name="Smile">The analysis flagged the frame as a smile (lip corners pulled clearly more than the brows lowered).</param>
public sealed record ReviewFrame(int Index, double TimeSeconds, bool Usable, float? Au04, float? Au06, float? Au07, float? Au09, double? Hpii, bool Apex, bool Smile = false);

/// <summary>A run of consecutive APEX frames, reviewed together or frame by frame.</summary>
public sealed record ApexSpan(int First, int Last, int PeakFrame, double PeakHpii, double StartSeconds, double EndSeconds)
{
    public int Length => Last - First + 1;
}

/// <summary>Which spans a bulk decision applies to.</summary>
public enum SpanSelection
{
    /// <summary>Spans with at least one frame nobody has decided yet.</summary>
    Pending,
    /// <summary>Spans most of whose frames the analysis flagged as a smile (<see cref="ReviewModel.IsSmileSpan"/>).</summary>
    Smiles,
    All,
}

/// <summary>
/// A recording under review: its frames, the machine's APEX spans and the reviewer's decisions,
/// and the summaries that follow from them.
/// </summary>
public sealed class ReviewModel
{
    public required Recording Recording { get; init; }
    /// <summary>The analysed frames and what follows from them alone (shared, cached per analysis).</summary>
    public required ReviewFrames Analysis { get; init; }
    public IReadOnlyList<ReviewFrame> Frames => Analysis.Frames;
    public required IReadOnlyDictionary<int, ReviewDecision> Decisions { get; init; }
    public required IReadOnlyList<VasCorrection> Corrections { get; init; }

    public IReadOnlyList<ApexSpan> Spans => Analysis.Spans;

    /// <summary>A span most of whose frames the analysis flagged as a smile: smiles raise HPII through the cheeks, not pain.</summary>
    public bool IsSmileSpan(ApexSpan span) => Analysis.IsSmileSpan(span);

    /// <summary>The frame with this index, if the recording has it.</summary>
    public ReviewFrame? FrameByIndex(int index) => Analysis.ByIndex(index);

    /// <summary>A span's verdict: its frames' one verdict, else pending (mixed).</summary>
    public FrameVerdict SpanVerdict(ApexSpan span)
    {
        var first = VerdictOf(span.First);
        for (var i = span.First + 1; i <= span.Last; i++)
            if (VerdictOf(i) != first) return FrameVerdict.Pending;
        return first;
    }

    /// <summary>A span with at least one frame still pending, as the acting reviewer sees the decisions.</summary>
    public bool IsPendingSpan(ApexSpan span) => Enumerable.Range(span.First, span.Length).Any(f => VerdictOf(f) == FrameVerdict.Pending);

    /// <summary>The spans a bulk decision selects, in time order.</summary>
    public IReadOnlyList<ApexSpan> SpansIn(SpanSelection selection) => selection switch
    {
        SpanSelection.Pending => Spans.Where(IsPendingSpan).ToList(),
        SpanSelection.Smiles => Spans.Where(IsSmileSpan).ToList(),
        _ => Spans,
    };

    /// <summary>How a selection reads in a sentence ("spans flagged as smiles").</summary>
    public static string Describe(SpanSelection selection) => selection switch
    {
        SpanSelection.Pending => "pending spans",
        SpanSelection.Smiles => "spans flagged as smiles",
        _ => "spans",
    };

    public IReadOnlyList<ReviewSignature> Signatures { get; init; } = [];
    public IReadOnlyList<Correction> MetadataCorrections { get; init; } = [];

    /// <summary>The signature in force, if the recording is signed (a signed recording is read-only).</summary>
    public ReviewSignature? ActiveSignature => Signatures.Where(s => s.IsActive).OrderByDescending(s => s.SignedUtc).FirstOrDefault();
    /// <summary>Read-only: the decisions in force are signed, or (two independent reviews) this rater signed their own review.</summary>
    public bool IsSigned => ActiveSignature is not null || RaterSignedUtc is not null;

    /// <summary>Two independent reviews: the acting user's place on the recording (null when the study reviews once, or they are not assigned).</summary>
    public RaterSlot? RaterSlot { get; init; }
    /// <summary>When this rater signed their own review.</summary>
    public DateTime? RaterSignedUtc { get; init; }
    /// <summary>The VAS and HPII are withheld from this rater.</summary>
    public bool BlindedToLabels { get; init; }

    public VasCorrection? LatestCorrection => ReviewRules.LatestCorrection(Corrections);

    /// <summary>The VAS label in force: the latest correction, else the self-report.</summary>
    public double? EffectiveVas => ReviewRules.VasInForce(Recording.VasSelfReport, Corrections);

    /// <summary>A frame's verdict (frames review is not about read as pending).</summary>
    public FrameVerdict VerdictOf(int frameIndex) =>
        ReviewRules.VerdictOf(ApexFrames.Contains(frameIndex), Decisions.GetValueOrDefault(frameIndex)) ?? FrameVerdict.Pending;

    private IReadOnlySet<int> ApexFrames => Analysis.ApexIndexes;

    /// <summary>Frames accepted by a person (machine APEX frames accepted, plus added ones). Pending frames are not among them.</summary>
    public IEnumerable<ReviewFrame> AcceptedApexFrames => Frames.Where(f => f.Hpii.HasValue
        && ReviewRules.CountsAsAccepted(ReviewRules.VerdictOf(f.Apex, Decisions.GetValueOrDefault(f.Index))));

    public ApexTally Tally => _tally ??= ReviewRules.Tally(Frames.Select(f => (f.Index, f.Apex)), Decisions);
    private ApexTally? _tally;

    public double? HpiiMeanAcceptedApex => (_hpiiAccepted ??= new(AcceptedApexFrames.Select(f => f.Hpii!.Value).DefaultIfEmpty(double.NaN).Average() is var m && double.IsNaN(m) ? null : m)).Value;
    private StrongBox<double?>? _hpiiAccepted;

    /// <summary>Frames a reviewer added (not machine APEX), for the strip.</summary>
    public IReadOnlyList<ReviewFrame> AddedFrames => _added ??= Decisions.Keys.Order().Select(FrameByIndex)
        .Where(f => f is not null && VerdictOf(f.Index) == FrameVerdict.Added).Select(f => f!).ToList();
    private IReadOnlyList<ReviewFrame>? _added;

    public static IReadOnlyList<ApexSpan> FindSpans(IReadOnlyList<ReviewFrame> frames)
    {
        var spans = new List<ApexSpan>();
        var i = 0;
        while (i < frames.Count)
        {
            if (!frames[i].Apex) { i++; continue; }
            var j = i;
            while (j + 1 < frames.Count && frames[j + 1].Apex && frames[j + 1].Index == frames[j].Index + 1) j++;
            var peak = frames.Skip(i).Take(j - i + 1).MaxBy(f => f.Hpii ?? double.MinValue)!;
            spans.Add(new ApexSpan(frames[i].Index, frames[j].Index, peak.Index, peak.Hpii ?? 0, frames[i].TimeSeconds, frames[j].TimeSeconds));
            i = j + 1;
        }
        return spans;
    }

    /// <summary>The frame shown at a playback time: the last frame that starts at or before it.</summary>
    public ReviewFrame? FrameAt(double seconds) => Frames.Count == 0 ? null : Frames[TimelineSeries.LastAtOrBefore(Frames, seconds)];
}
