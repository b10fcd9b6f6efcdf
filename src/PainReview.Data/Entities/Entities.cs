using Microsoft.AspNetCore.Identity;

namespace PainReview.Data.Entities;

/// <summary>A portal user. Clinical staff only: participants never have accounts.</summary>
public class ApplicationUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    /// <summary>Locked by an Admin (not by failed sign-ins): the sign-in page says so.</summary>
    public bool LockedByAdmin { get; set; }
}

public static class Roles
{
    public const string Coordinator = nameof(Coordinator);
    public const string Clinician = nameof(Clinician);
    public const string DataManager = nameof(DataManager);
    public const string Admin = nameof(Admin);

    public static readonly string[] All = [Coordinator, Clinician, DataManager, Admin];

    /// <summary>The roles a user can hold within one study (Admin is global).</summary>
    public static readonly string[] InStudy = [Coordinator, Clinician, DataManager];
}

/// <summary>
/// A user's role in one study. A user acts on a study only through a membership, and only with a
/// role they also hold on their account (so removing the account's role revokes it everywhere).
/// </summary>
public class StudyMember
{
    public long Id { get; set; }
    public Guid StudyId { get; set; }
    public Study? Study { get; set; }
    public required string UserId { get; set; }
    public ApplicationUser? User { get; set; }
    /// <summary>Coordinator, Clinician or DataManager.</summary>
    public required string Role { get; set; }
    /// <summary>Data managers only: may include raw facial video in exports (granted by an Admin).</summary>
    public bool MayExportVideo { get; set; }
    public DateTime AddedUtc { get; set; } = DateTime.UtcNow;
    public required string AddedBy { get; set; }
}

/// <summary>
/// A personal API token: the secret is shown once and only its SHA-256 is kept. It acts as its
/// user, with that user's memberships, until it expires or is revoked.
/// </summary>
public class ApiToken
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string UserId { get; set; }
    public ApplicationUser? User { get; set; }
    public required string Name { get; set; }
    /// <summary>Hex SHA-256 of the secret.</summary>
    public required string Hash { get; set; }
    /// <summary>The secret's first characters, to recognise it in lists.</summary>
    public required string Prefix { get; set; }
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    public DateTime ExpiresUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }
}

public class Study
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Demo studies hold generated labels and are never mixed with real ones.</summary>
    public bool IsDemo { get; set; }
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    public required string CreatedBy { get; set; }
    public List<Participant> Participants { get; set; } = [];
    public List<Recording> Recordings { get; set; } = [];
    public List<StudyProtocol> Protocols { get; set; } = [];
    /// <summary>Two independent reviews: two assigned raters decide each recording blind to each other, an adjudicator settles the differences.</summary>
    public bool TwoRaters { get; set; }
    /// <summary>With <see cref="TwoRaters"/>: the raters do not see the VAS or the HPII either.</summary>
    public bool BlindRaters { get; set; }
}

/// <summary>
/// One version of a study's analysis protocol: the analysis configuration (the CLI's --config
/// JSON) every recording of the study is scored with. A change makes a new version; versions are
/// never edited, and each result records the version it was scored with.
/// </summary>
public class StudyProtocol
{
    public long Id { get; set; }
    public Guid StudyId { get; set; }
    /// <summary>1, 2, 3, ... within the study.</summary>
    public int Version { get; set; }
    /// <summary>The configuration as AnalysisConfig JSON.</summary>
    public required string ConfigJson { get; set; }
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    public required string CreatedBy { get; set; }
    public string? Reason { get; set; }
    /// <summary>Re-scoring of the study's recordings under this version: how many there are and how many are done.</summary>
    public int RescoreTotal { get; set; }
    public int RescoreDone { get; set; }
    /// <summary>Recordings that had to be analysed again (their stored frames predate this build's features).</summary>
    public int RescoreReanalysed { get; set; }
    public DateTime? RescoreStartedUtc { get; set; }
    public DateTime? RescoreFinishedUtc { get; set; }
}

/// <summary>A study participant, known only by a pseudonymous code.</summary>
public class Participant
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid StudyId { get; set; }
    public Study? Study { get; set; }
    public required string Code { get; set; }
    /// <summary>The code in upper case: codes are unique in a study whatever their case (p-001 is P-001).</summary>
    public string NormalizedCode { get; set; } = "";
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    /// <summary>Withdrawn participants keep their data but are left out of exports and statistics from then on.</summary>
    public DateTime? WithdrawnUtc { get; set; }
    public string? WithdrawnBy { get; set; }
    public string? WithdrawalReason { get; set; }
    public List<Recording> Recordings { get; set; } = [];

    public static string Normalize(string code) => code.Trim().ToUpperInvariant();
}

public enum RecordingStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    /// <summary>Analysed (its frames are stored) but not scored under the study's protocol yet: Error says what it waits for.</summary>
    Waiting,
}

public class Recording
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid StudyId { get; set; }
    public Study? Study { get; set; }
    public Guid ParticipantId { get; set; }
    public Participant? Participant { get; set; }

    /// <summary>The uploader's file name: metadata only, never used as a path.</summary>
    public required string OriginalFileName { get; set; }
    /// <summary>File name in the video store: the recording's id and the original extension.</summary>
    public required string StoredFileName { get; set; }
    public long FileBytes { get; set; }
    public required string Sha256 { get; set; }

    public string? Timepoint { get; set; }
    public DateOnly? RecordedOn { get; set; }
    /// <summary>The participant's own VAS (0-10): kept as reported, never overwritten.</summary>
    public double? VasSelfReport { get; set; }
    public string? Notes { get; set; }

    public string? Container { get; set; }
    public string? Codec { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public int? Rotation { get; set; }
    public double? FrameRate { get; set; }
    public double? DurationSeconds { get; set; }
    public bool IsStillImage { get; set; }

    public RecordingStatus Status { get; set; } = RecordingStatus.Queued;
    /// <summary>0-1 while running.</summary>
    public double Progress { get; set; }
    public string? Error { get; set; }
    public int Attempts { get; set; }
    /// <summary>Identifies the run allowed to write results; a superseded run's results are discarded.</summary>
    public Guid? RunToken { get; set; }
    public string? JobId { get; set; }
    /// <summary>The worker running the analysis, and until when its claim holds unless renewed.</summary>
    public string? Worker { get; set; }
    public DateTime? LeaseUntilUtc { get; set; }
    public DateTime UploadedUtc { get; set; } = DateTime.UtcNow;
    public required string UploadedBy { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? CompletedUtc { get; set; }

    public int? Frames { get; set; }
    public int? UsableFrames { get; set; }
    public int? ApexFrames { get; set; }
    public double? HpiiMeanAll { get; set; }
    public double? HpiiMeanApex { get; set; }
    public double? HpiiPeak { get; set; }
    public double? PspiMeanAll { get; set; }
    /// <summary>The full summary document: scores, configuration, model hashes.</summary>
    public string? SummaryJson { get; set; }
    /// <summary>The version of the study's protocol the scores were computed with.</summary>
    public int? ProtocolVersion { get; set; }

    public List<FrameResult> FrameResults { get; set; } = [];

    public ReviewState ReviewState { get; set; } = ReviewState.NotReviewed;
    public string? ReviewedBy { get; set; }
    public DateTime? ReviewedUtc { get; set; }
    /// <summary>Bumped by every review change; a reviewer's change must name the version it saw.</summary>
    public int ReviewVersion { get; set; }
    public List<ReviewDecision> Decisions { get; set; } = [];
    public List<VasCorrection> VasCorrections { get; set; } = [];
    public List<ReviewSignature> Signatures { get; set; } = [];

    /// <summary>Deletion is logical: the recording is hidden and excluded, its record and audit kept.</summary>
    public DateTime? DeletedUtc { get; set; }
    public string? DeletedBy { get; set; }
    public string? DeletionReason { get; set; }
    /// <summary>When an Admin removed the files of a deleted recording after the retention period.</summary>
    public DateTime? FilesPurgedUtc { get; set; }
}

/// <summary>
/// An electronic signature on a recording's review (21 CFR 11.50/11.70): who (name and e-mail),
/// when (UTC), what it means, bound to the SHA-256 of the review content it signed. A reopened
/// review voids it; a voided signature stays on record.
/// </summary>
public class ReviewSignature
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public required string SignerId { get; set; }
    public required string SignerName { get; set; }
    public required string SignerEmail { get; set; }
    /// <summary>Reviewed or Approved.</summary>
    public required string Meaning { get; set; }
    public DateTime SignedUtc { get; set; } = DateTime.UtcNow;
    /// <summary>SHA-256 over the review content: decisions, corrections, VAS in force, analysis version.</summary>
    public required string RecordHash { get; set; }
    public string? AnalysisVersion { get; set; }
    /// <summary>The study protocol version of the scores signed.</summary>
    public int? ProtocolVersion { get; set; }
    public DateTime? VoidedUtc { get; set; }
    public string? VoidedBy { get; set; }
    public string? VoidReason { get; set; }
    public bool IsActive => VoidedUtc is null;
}

/// <summary>
/// A correction of metadata entered at upload (participant, timepoint, recording date, self-reported
/// VAS) or of a participant's code: the record keeps the value before, the value after, who, when, why.
/// The entity holds the value in force; the original is the first correction's value before.
/// </summary>
public class Correction
{
    public long Id { get; set; }
    public Guid StudyId { get; set; }
    public Guid? RecordingId { get; set; }
    public Guid? ParticipantId { get; set; }
    /// <summary>participant, timepoint, recordedOn, vasSelfReport, code.</summary>
    public required string Field { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public required string Reason { get; set; }
    public required string CorrectedBy { get; set; }
    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
}

public enum ReviewState
{
    NotReviewed,
    Reviewed,
}

public enum DecisionKind
{
    Accepted,
    Rejected,
}

/// <summary>A reviewer's decision on one frame: an APEX frame accepted or rejected, or a missed frame added.</summary>
public class ReviewDecision
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public int FrameIndex { get; set; }
    public DecisionKind Decision { get; set; }
    /// <summary>The frame was not APEX; the reviewer added it.</summary>
    public bool AddedByReviewer { get; set; }
    public string? Reason { get; set; }
    public required string Reviewer { get; set; }
    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
    /// <summary>The study protocol version whose scores (and APEX frames) the reviewer saw; the decision stays on its frame after re-scoring.</summary>
    public int? ProtocolVersion { get; set; }
    /// <summary>Whether the frame was a machine APEX frame when decided.</summary>
    public bool? WasApex { get; set; }
}

/// <summary>A clinician's correction of the VAS label. The self-report is never overwritten.</summary>
public class VasCorrection
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public double Value { get; set; }
    public required string Reason { get; set; }
    public required string CorrectedBy { get; set; }
    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
}

/// <summary>One analysed frame. AU and score columns are null where the frame is unusable.</summary>
public class FrameResult
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public int FrameIndex { get; set; }
    public double TimeSeconds { get; set; }
    public bool Face { get; set; }
    public float Confidence { get; set; }
    public float? Yaw { get; set; }
    public float? Pitch { get; set; }
    public float? Roll { get; set; }
    public bool Usable { get; set; }
    public float? Au01 { get; set; }
    public float? Au02 { get; set; }
    public float? Au04 { get; set; }
    public float? Au06 { get; set; }
    public float? Au07 { get; set; }
    public float? Au09 { get; set; }
    public float? Au10 { get; set; }
    public float? Au12 { get; set; }
    public float? Au15 { get; set; }
    public float? Au25 { get; set; }
    public float? Au26 { get; set; }
    public float? Au43 { get; set; }
    public double? Hpii { get; set; }
    public double? Pspi { get; set; }
    public bool Apex { get; set; }
    /// <summary>A smile frame (lip corners pulled enough to explain cheek and lip movement), from the pipeline's FrameRecord.Smile.</summary>
    public bool Smile { get; set; }

    // What scoring needs, kept so a new protocol re-scores without decoding the video.
    public bool PoseOk { get; set; }
    public bool Detected { get; set; }
    public bool MultipleFaces { get; set; }
    public bool SubjectUncertain { get; set; }
    /// <summary>The raw geometric features as little-endian float32 (the pipeline's StoredFrames; mapped in PainReview.Web.Jobs.FrameMapping); null without a face.</summary>
    public byte[]? Features { get; set; }
    /// <summary>How many features <see cref="Features"/> holds; a build with another count analyses the video again.</summary>
    public int FeatureCount { get; set; }

    /// <summary>AU intensities in the pipeline's ActionUnit order (AU01 ... AU43).</summary>
    public float?[] ActionUnits() => [Au01, Au02, Au04, Au06, Au07, Au09, Au10, Au12, Au15, Au25, Au26, Au43];
}

/// <summary>Append-only record of who changed what, when, from what, to what, and why.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
    public required string User { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public Guid? StudyId { get; set; }
    public Guid? RecordingId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string? Reason { get; set; }
    /// <summary>The hash of the event before this one (null for the first): the chain that makes the log tamper-evident.</summary>
    public string? PreviousHash { get; set; }
    /// <summary>SHA-256 over this event's fields and <see cref="PreviousHash"/>.</summary>
    public string? Hash { get; set; }
}

/// <summary>A reviewer's place on a recording under two independent reviews.</summary>
public enum RaterSlot
{
    First = 1,
    Second = 2,
    /// <summary>The third reviewer, who settles the spans the two raters decided differently.</summary>
    Adjudicator = 3,
}

/// <summary>A study member (Clinician) assigned by a Coordinator to review a recording in a slot.</summary>
public class RaterAssignment
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public Guid StudyId { get; set; }
    public RaterSlot Slot { get; set; }
    public required string UserId { get; set; }
    /// <summary>The assignee's name as the audit trail writes users (their e-mail).</summary>
    public required string UserName { get; set; }
    public required string AssignedBy { get; set; }
    public DateTime AssignedUtc { get; set; } = DateTime.UtcNow;
    /// <summary>When the rater signed their own review (password confirmed); null until then.</summary>
    public DateTime? SignedUtc { get; set; }
}

/// <summary>One rater's (or the adjudicator's) decision on one frame, kept apart from the decisions in force.</summary>
public class RaterDecision
{
    public long Id { get; set; }
    public Guid RecordingId { get; set; }
    public RaterSlot Slot { get; set; }
    public int FrameIndex { get; set; }
    public DecisionKind Decision { get; set; }
    public string? Reason { get; set; }
    public required string Reviewer { get; set; }
    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
}
