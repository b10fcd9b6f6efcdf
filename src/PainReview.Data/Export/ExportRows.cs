namespace PainReview.Data.Export;

// Column names are snake_case and stable: statisticians' scripts read them.
#pragma warning disable IDE1006

/// <summary>One recording of an export. Participants appear only as their pseudonymous codes; file names never.</summary>
public sealed class RecordingRow
{
    public string recording_id { get; set; } = "";
    public string participant { get; set; } = "";
    /// <summary>The code at upload, where the recording's participant was corrected since.</summary>
    public string? participant_original { get; set; }
    public string? timepoint { get; set; }
    public string? timepoint_original { get; set; }
    public string? recorded_on { get; set; }
    public string? recorded_on_original { get; set; }
    public double? vas_self_report { get; set; }
    public double? vas_self_report_original { get; set; }
    public double? vas_corrected { get; set; }
    public string? vas_correction_reason { get; set; }
    public string? vas_corrected_by { get; set; }
    public double? vas { get; set; }
    public string review_state { get; set; } = "";
    public string? reviewed_by { get; set; }
    public string? reviewed_utc { get; set; }
    /// <summary>The electronic signature in force: signer's name and e-mail, UTC time, meaning, the SHA-256 of the review content it signed.</summary>
    public string? signed_by { get; set; }
    public string? signed_by_email { get; set; }
    public string? signed_utc { get; set; }
    public string? signature_meaning { get; set; }
    public string? signature_record_hash { get; set; }
    /// <summary>Signatures voided by reopening the review (kept on record).</summary>
    public int signatures_voided { get; set; }
    /// <summary>The study protocol version the scores were computed with.</summary>
    public int? protocol_version { get; set; }
    public int frames { get; set; }
    public int usable_frames { get; set; }
    public int apex_frames { get; set; }
    /// <summary>Machine APEX frames nobody has decided on: neither accepted nor rejected.</summary>
    public int apex_pending { get; set; }
    public int apex_accepted { get; set; }
    public int apex_rejected { get; set; }
    public int apex_added { get; set; }
    public double? hpii_mean_all { get; set; }
    public double? hpii_mean_apex { get; set; }
    public double? hpii_mean_accepted_apex { get; set; }
    public double? hpii_peak { get; set; }
    public double? pspi_mean_all { get; set; }
    public double? duration_s { get; set; }
    public double? frame_rate { get; set; }
    public string? codec { get; set; }
    public string file_sha256 { get; set; } = "";
}

/// <summary>One analysed frame; AU and score columns empty where the frame is unusable.</summary>
public sealed class FrameRow
{
    public string recording_id { get; set; } = "";
    public string participant { get; set; } = "";
    public int frame { get; set; }
    public double time_s { get; set; }
    public bool face { get; set; }
    public float confidence { get; set; }
    public float? yaw { get; set; }
    public float? pitch { get; set; }
    public float? roll { get; set; }
    public bool usable { get; set; }
    public float? AU01 { get; set; }
    public float? AU02 { get; set; }
    public float? AU04 { get; set; }
    public float? AU06 { get; set; }
    public float? AU07 { get; set; }
    public float? AU09 { get; set; }
    public float? AU10 { get; set; }
    public float? AU12 { get; set; }
    public float? AU15 { get; set; }
    public float? AU25 { get; set; }
    public float? AU26 { get; set; }
    public float? AU43 { get; set; }
    public double? hpii { get; set; }
    public double? pspi { get; set; }
    public bool apex { get; set; }
    /// <summary>A smile frame: lip corners pulled enough to explain cheek and lip movement.</summary>
    public bool smile { get; set; }
    /// <summary>accepted, rejected, added, or pending for APEX frames; empty otherwise.</summary>
    public string? review { get; set; }
}

public sealed class DecisionRow
{
    public string recording_id { get; set; } = "";
    public int frame { get; set; }
    public string decision { get; set; } = "";
    public bool added_by_reviewer { get; set; }
    public string? reason { get; set; }
    public string reviewer { get; set; } = "";
    public string at_utc { get; set; } = "";
    /// <summary>The protocol version whose scores the reviewer saw; the decision stays on its frame after re-scoring.</summary>
    public int? protocol_version { get; set; }
    /// <summary>Whether the frame was a machine APEX frame when decided (empty for decisions from before protocols).</summary>
    public bool? was_apex { get; set; }
}

/// <summary>Two independent reviews: each rater's own decisions and the adjudicator's, kept apart from the decisions in force (decisions table).</summary>
public sealed class RaterDecisionRow
{
    public string recording_id { get; set; } = "";
    /// <summary>first, second or adjudicator.</summary>
    public string rater { get; set; } = "";
    public string reviewer { get; set; } = "";
    public int frame { get; set; }
    public string decision { get; set; } = "";
    public string? reason { get; set; }
    public string at_utc { get; set; } = "";
    /// <summary>When that rater signed their review (empty: still rating, the decisions may change; always empty for the adjudicator, who signs nothing).</summary>
    public string? rater_signed_utc { get; set; }
}

public sealed class AuditRow
{
    public string at_utc { get; set; } = "";
    public string user { get; set; } = "";
    public string action { get; set; } = "";
    public string entity_type { get; set; } = "";
    public string entity_id { get; set; } = "";
    public string? recording_id { get; set; }
    public string? before { get; set; }
    public string? after { get; set; }
    public string? reason { get; set; }
}
#pragma warning restore IDE1006
