using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Data.Entities;
using PainReview.Pipeline.Decoding;
using PainReview.Web.Features.Audit;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Features.Recordings;

/// <summary>A request the user can fix: shown as it is (HTTP 422 unless a subclass says otherwise).</summary>
public class PortalValidationException(string message, Exception? cause = null) : Exception(message, cause)
{
    public virtual int StatusCode => StatusCodes.Status422UnprocessableEntity;
}

/// <summary>The server cannot store the file: its disk is full.</summary>
public sealed class DiskFullValidationException(string message) : PortalValidationException(message)
{
    public override int StatusCode => StatusCodes.Status413PayloadTooLarge;
}

public sealed record UploadMetadata(Guid ParticipantId, string? Timepoint, DateOnly? RecordedOn, double? Vas, string? Notes);

/// <summary>Studies, participants and recordings: every change validated and audited.</summary>
public sealed partial class RecordingService(
    PainReviewDbContext db, VideoStore store, AuditLog audit, Scheduling.IJobScheduler jobs,
    RecordingProgress progress, IOptions<PortalOptions> options, Review.ReviewMedia media, Access.StudyAccess access,
    Microsoft.AspNetCore.Identity.UserManager<ApplicationUser> users)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$")]
    private static partial Regex ParticipantCodePattern();

    public async Task<Study> CreateStudyAsync(string name, string? description, PainReview.Pipeline.Analysis.AnalysisConfig? protocol = null)
    {
        var actor = await access.ActorAsync();
        if (!actor.IsAdmin && !actor.Roles.Contains(Roles.Coordinator))
            throw new Access.AccessException("Only Coordinators and Admins create studies.", StatusCodes.Status403Forbidden);
        name = (name ?? "").Trim();
        if (name.Length is < 2 or > 200) throw new PortalValidationException("A study name needs 2 to 200 characters.");
        if (await db.Studies.AnyAsync(s => s.Name == name)) throw new PortalValidationException($"A study called '{name}' already exists.");
        protocol ??= new PainReview.Pipeline.Analysis.AnalysisConfig();
        if (Protocols.ProtocolService.Problems(protocol) is { Count: > 0 } problems) throw new Protocols.ProtocolInvalidException(problems);
        var study = new Study { Name = name, Description = description?.Trim(), CreatedBy = actor.Name };
        db.Studies.Add(study);
        db.StudyProtocols.Add(Protocols.ProtocolService.Initial(study.Id, protocol, actor.Name));
        await audit.AddAsync("study.created", nameof(Study), study.Id.ToString(), after: new { study.Name, study.Description, protocol = new { version = 1, configuration = Protocols.ProtocolService.AuditForm(protocol) } }, studyId: study.Id);
        // The creator is the study's first member (an Admin sees every study without one).
        if (actor.Roles.Contains(Roles.Coordinator))
        {
            db.StudyMembers.Add(new StudyMember { StudyId = study.Id, UserId = actor.UserId, Role = Roles.Coordinator, AddedBy = actor.Name });
            access.MembershipsChanged();
            await audit.AddAsync("study.member.added", nameof(Study), study.Id.ToString(), after: new { member = actor.Name, role = Roles.Coordinator }, studyId: study.Id);
        }
        await db.SaveChangesAsync();
        return study;
    }

    /// <summary>Participants are pseudonymous codes (letters, digits, - and _), unique within a study.</summary>
    public async Task<Participant> CreateParticipantAsync(Guid studyId, string code)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Manage, "add participants");
        code = (code ?? "").Trim();
        if (!ParticipantCodePattern().IsMatch(code))
            throw new PortalValidationException("A participant code has 2 to 32 letters, digits, '-' or '_', and no spaces: use a pseudonymous code such as P-017, never a name.");
        if (!await db.Studies.AnyAsync(s => s.Id == studyId)) throw new PortalValidationException("That study does not exist.");
        var normalized = Participant.Normalize(code);
        if (await db.Participants.FirstOrDefaultAsync(p => p.StudyId == studyId && p.NormalizedCode == normalized) is { } existing)
            throw new PortalValidationException(existing.Code == code
                ? $"Participant {code} already exists in this study."
                : $"Participant {existing.Code} already exists in this study: codes are the same whatever their case, so {code} would be a second code for one person.");
        var participant = new Participant { StudyId = studyId, Code = code };
        db.Participants.Add(participant);
        await audit.AddAsync("participant.created", nameof(Participant), participant.Id.ToString(), after: new { code }, studyId: studyId);
        await db.SaveChangesAsync();
        return participant;
    }

    /// <summary>
    /// One row of a manifest: its participant found by code (whatever its case), then the same
    /// upload, validation and audit as any other.
    /// </summary>
    public async Task<Recording> UploadRowAsync(Guid studyId, PainReview.Data.Import.ManifestRow row, Stream content, CancellationToken cancellationToken = default)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Manage, "upload recordings");
        if (row.Error is { } error) throw new PortalValidationException(error);
        var normalized = Participant.Normalize(row.Participant);
        var participant = await db.Participants.AsNoTracking().FirstOrDefaultAsync(p => p.StudyId == studyId && p.NormalizedCode == normalized, cancellationToken)
            ?? throw new PortalValidationException($"No participant '{row.Participant}' in this study: add the participant first.");
        return await UploadAsync(studyId, row.File, content, new UploadMetadata(participant.Id, row.Timepoint, row.RecordedOn, row.Vas, row.Notes), cancellationToken);
    }

    /// <summary>
    /// Streams the file to the store, validates it by content (ffprobe), refuses duplicates within
    /// the study, records it and queues its analysis.
    /// </summary>
    /// <summary>
    /// Puts on record, with a recording made at the bedside, that the participant's consent was
    /// confirmed before the camera opened (who, when, how long, what kind of file).
    /// </summary>
    public async Task RecordBedsideConsentAsync(Guid recordingId, double seconds, long bytes, string? type, CancellationToken ct = default)
    {
        var studyId = await access.RequireRecordingAsync(recordingId, Access.StudyPermission.Manage, "record at the bedside");
        var participant = await db.Recordings.AsNoTracking().Where(r => r.Id == recordingId).Select(r => r.Participant!.Code).SingleAsync(ct);
        await audit.AddAsync("recording.recorded-at-bedside", nameof(Recording), recordingId.ToString(), after: new
        {
            consent = "confirmed before the camera opened", participant, seconds = Math.Round(seconds, 1), Bytes = bytes, Type = type,
        }, studyId: studyId, recordingId: recordingId);
        await db.SaveChangesAsync(ct);
    }

    public async Task<Recording> UploadAsync(Guid studyId, string originalFileName, Stream content, UploadMetadata metadata,
        CancellationToken cancellationToken = default)
    {
        await access.RequireStudyAsync(studyId, Access.StudyPermission.Manage, "upload recordings");
        var participant = await db.Participants.SingleOrDefaultAsync(p => p.Id == metadata.ParticipantId && p.StudyId == studyId, cancellationToken)
            ?? throw new PortalValidationException("Choose a participant of this study.");
        if (metadata.Vas is { } v && (!double.IsFinite(v) || v is < 0 or > 10)) throw new PortalValidationException("VAS must be a number from 0 to 10.");
        if (metadata.RecordedOn is { } day && day > PainReview.Data.Import.RecordingDates.Latest)
            throw new PortalValidationException($"Recording date {day:yyyy-MM-dd} is in the future.");
        if (metadata.Timepoint?.Trim() is { Length: > 100 }) throw new PortalValidationException("A timepoint has at most 100 characters.");
        var displayName = Path.GetFileName(originalFileName);
        if (string.IsNullOrWhiteSpace(displayName)) displayName = "recording";

        VideoStore.Incoming incoming;
        try
        {
            incoming = await store.ReceiveAsync(content, cancellationToken);
        }
        catch (VideoStore.TooLargeException e)
        {
            throw new PortalValidationException($"{displayName}: {e.Message}");
        }
        catch (VideoStore.DiskFullException e)
        {
            throw new DiskFullValidationException($"{displayName}: {e.Message}");
        }
        using (incoming)
        {
            var duplicate = await db.Recordings.IgnoreQueryFilters().Include(r => r.Participant)
                .FirstOrDefaultAsync(r => r.StudyId == studyId && r.Sha256 == incoming.Sha256, cancellationToken);
            if (duplicate is { DeletedUtc: { } deleted })
                throw new PortalValidationException(
                    $"{displayName} was uploaded to this study before and deleted on {deleted:yyyy-MM-dd} ({duplicate.DeletionReason}); the deleted record is kept, so it cannot be uploaded again.");
            if (duplicate is not null)
                throw new PortalValidationException(
                    $"{displayName} was already uploaded to this study as '{duplicate.OriginalFileName}' (participant {duplicate.Participant?.Code}, {duplicate.UploadedUtc:yyyy-MM-dd HH:mm} UTC).");

            VideoInfo info;
            try
            {
                info = await VideoProbe.ProbeAsync(incoming.TemporaryPath, new DecodeOptions { MaxFileBytes = options.Value.MaxUploadBytes }, cancellationToken);
            }
            catch (VideoInputException e)
            {
                throw new PortalValidationException(e.Message.Replace(Path.GetFileName(incoming.TemporaryPath), displayName, StringComparison.Ordinal));
            }

            var recording = new Recording
            {
                StudyId = studyId,
                ParticipantId = participant.Id,
                OriginalFileName = displayName,
                StoredFileName = "",
                FileBytes = incoming.Bytes,
                Sha256 = incoming.Sha256,
                Timepoint = metadata.Timepoint?.Trim(),
                RecordedOn = metadata.RecordedOn,
                VasSelfReport = metadata.Vas,
                Notes = metadata.Notes?.Trim(),
                Container = info.Container,
                Codec = info.Codec,
                Width = info.Width,
                Height = info.Height,
                Rotation = info.Rotation,
                FrameRate = info.FrameRate,
                DurationSeconds = info.Duration.TotalSeconds,
                IsStillImage = info.IsStillImage,
                UploadedBy = await audit.CurrentUserAsync(),
            };
            recording.StoredFileName = StoredFiles.NameFor(recording.Id, displayName);
            store.Commit(incoming, recording.StoredFileName);
            db.Recordings.Add(recording);
            await audit.AddAsync("recording.uploaded", nameof(Recording), recording.Id.ToString(), after: new
            {
                file = displayName, recording.FileBytes, recording.Sha256, participant = participant.Code, recording.Timepoint,
                recording.VasSelfReport,
            }, studyId: studyId, recordingId: recording.Id);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception e)
            {
                store.Delete(recording.StoredFileName);
                db.ChangeTracker.Clear();
                // The same file arrived twice at once: the other upload won the unique index.
                if (e is DbUpdateException && await db.Recordings.IgnoreQueryFilters().AsNoTracking().AnyAsync(r => r.StudyId == studyId && r.Sha256 == incoming.Sha256, CancellationToken.None))
                    throw new PortalValidationException($"{displayName} was already uploaded to this study a moment ago (the same file arrived twice).");
                throw;
            }
            await jobs.QueueAnalysisAsync(recording.Id, CancellationToken.None);
            progress.Publish(new RecordingUpdate(recording.Id, studyId, recording.Status, 0, null));
            return recording;
        }
    }

    /// <summary>
    /// Runs a change to a recording again when an analysis claimed or released the recording in the
    /// meantime (its run token is a concurrency token): the user's intent still applies.
    /// </summary>
    private async Task RetryOnRunChangeAsync(Func<Task> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await change();
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    public Task CancelAsync(Guid recordingId) => RetryOnRunChangeAsync(() => CancelOnceAsync(recordingId));

    private async Task CancelOnceAsync(Guid recordingId)
    {
        var recording = await Find(recordingId, "cancel analyses");
        if (recording.Status is not (RecordingStatus.Queued or RecordingStatus.Running))
            throw new PortalValidationException($"Only queued or running analyses can be cancelled; this one is {recording.Status}.");
        var before = recording.Status;
        jobs.CancelAnalysis(recordingId, recording.JobId);
        recording.Status = RecordingStatus.Cancelled;
        recording.RunToken = null;
        recording.Error = "Cancelled by a user.";
        await audit.AddAsync("recording.cancelled", nameof(Recording), recordingId.ToString(), before: new { status = before.ToString() },
            after: new { status = nameof(RecordingStatus.Cancelled) }, studyId: recording.StudyId, recordingId: recordingId);
        await db.SaveChangesAsync();
        progress.Publish(new RecordingUpdate(recordingId, recording.StudyId, recording.Status, recording.Progress, recording.Error));
    }

    public async Task RetryAsync(Guid recordingId)
    {
        var recording = await Find(recordingId, "retry analyses");
        if (recording.Status is not (RecordingStatus.Failed or RecordingStatus.Cancelled))
            throw new PortalValidationException($"Only failed or cancelled analyses can be retried; this one is {recording.Status}.");
        var before = recording.Status;
        recording.Status = RecordingStatus.Queued;
        recording.Error = null;
        recording.Progress = 0;
        recording.Attempts = 0;
        await audit.AddAsync("recording.retried", nameof(Recording), recordingId.ToString(), before: new { status = before.ToString() },
            after: new { status = nameof(RecordingStatus.Queued) }, studyId: recording.StudyId, recordingId: recordingId);
        await db.SaveChangesAsync();
        await jobs.QueueAnalysisAsync(recordingId, CancellationToken.None);
        progress.Publish(new RecordingUpdate(recordingId, recording.StudyId, recording.Status, 0, null));
    }

    /// <summary>
    /// Deletes the recording logically: it is hidden and left out of queues, exports and statistics,
    /// its files and results are kept until an Admin purges them after the retention period, and the
    /// audit keeps who, when and why. A signed recording also needs the deleting user's password.
    /// </summary>
    public Task DeleteAsync(Guid recordingId, string? reason, string? password = null) => RetryOnRunChangeAsync(() => DeleteOnceAsync(recordingId, reason, password));

    private async Task DeleteOnceAsync(Guid recordingId, string? reason, string? password)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new PortalValidationException("Give the reason for deleting this recording: it stays in the audit trail.");
        var recording = await Find(recordingId, "delete recordings");
        var signature = await db.ReviewSignatures.AsNoTracking().Where(s => s.RecordingId == recordingId && s.VoidedUtc == null).FirstOrDefaultAsync();
        var actor = await access.ActorAsync();
        if (signature is not null)
        {
            if (await access.ConfirmPasswordAsync(users, password) is null)
            {
                throw new PortalValidationException($"This recording was signed by {signature.SignerName}: deleting it is a signed act, so enter your password. Nothing was deleted.");
            }
        }
        jobs.CancelAnalysis(recordingId, recording.JobId);
        recording.DeletedUtc = DateTime.UtcNow;
        recording.DeletedBy = actor.Name;
        recording.DeletionReason = reason.Trim();
        if (recording.Status is RecordingStatus.Queued or RecordingStatus.Running)
        {
            recording.Status = RecordingStatus.Cancelled;
            recording.RunToken = null;
        }
        await audit.AddAsync("recording.deleted", nameof(Recording), recordingId.ToString(), before: new
        {
            file = recording.OriginalFileName, recording.Sha256, status = recording.Status.ToString(), recording.VasSelfReport,
            signedBy = signature?.SignerName,
        }, after: new { deleted = true, signed = signature is not null }, reason: reason.Trim(), studyId: recording.StudyId, recordingId: recordingId, user: actor.Name);
        await db.SaveChangesAsync();
        progress.Publish(new RecordingUpdate(recordingId, recording.StudyId, RecordingStatus.Cancelled, 0, "deleted"));
    }

    public sealed record DeletedRow(Guid Id, string Study, string Participant, string File, DateTime DeletedUtc, string DeletedBy, string Reason, DateTime? PurgedUtc, bool Purgeable);

    /// <summary>Deleted recordings, for Admins: who deleted what, when, why, and whether their files may be purged yet.</summary>
    public async Task<List<DeletedRow>> DeletedAsync()
    {
        if (!(await access.ActorAsync()).IsAdmin) throw new Access.AccessException("Only Admins see deleted recordings.", StatusCodes.Status403Forbidden);
        var cutoff = DateTime.UtcNow.AddDays(-options.Value.DeletedRetentionDays);
        var rows = await db.Recordings.IgnoreQueryFilters().AsNoTracking().Where(r => r.DeletedUtc != null).OrderByDescending(r => r.DeletedUtc)
            .Select(r => new { r.Id, Study = r.Study!.Name, r.Participant!.Code, r.OriginalFileName, r.DeletedUtc, r.DeletedBy, r.DeletionReason, r.FilesPurgedUtc }).ToListAsync();
        return rows.Select(r => new DeletedRow(r.Id, r.Study, r.Code, r.OriginalFileName, r.DeletedUtc!.Value, r.DeletedBy ?? "", r.DeletionReason ?? "",
            r.FilesPurgedUtc, r.FilesPurgedUtc is null && r.DeletedUtc <= cutoff)).ToList();
    }

    /// <summary>Removes a deleted recording's video, playback copy, thumbnails and frame rows once the retention period has passed; the record and audit stay.</summary>
    public async Task PurgeAsync(Guid recordingId)
    {
        var actor = await access.ActorAsync();
        if (!actor.IsAdmin) throw new Access.AccessException("Only Admins purge the files of deleted recordings.", StatusCodes.Status403Forbidden);
        var recording = await db.Recordings.IgnoreQueryFilters().SingleOrDefaultAsync(r => r.Id == recordingId && r.DeletedUtc != null)
            ?? throw new PortalValidationException("Only a deleted recording's files can be purged.");
        if (recording.FilesPurgedUtc is not null) throw new PortalValidationException("Its files were already purged.");
        var days = options.Value.DeletedRetentionDays;
        if (recording.DeletedUtc > DateTime.UtcNow.AddDays(-days))
            throw new PortalValidationException($"Deleted recordings are kept for {days} days (PainReview:DeletedRetentionDays): this one can be purged from {recording.DeletedUtc!.Value.AddDays(days):yyyy-MM-dd}.");
        store.Delete(recording.StoredFileName);
        media.Delete(recordingId);
        var frames = await db.FrameResults.Where(f => f.RecordingId == recordingId).ExecuteDeleteAsync();
        recording.FilesPurgedUtc = DateTime.UtcNow;
        await audit.AddAsync("recording.purged", nameof(Recording), recordingId.ToString(), before: new { file = recording.OriginalFileName, recording.Sha256, frames },
            after: new { purged = true }, studyId: recording.StudyId, recordingId: recordingId, user: actor.Name);
        await db.SaveChangesAsync();
    }

    private async Task<Recording> Find(Guid id, string what)
    {
        await access.RequireRecordingAsync(id, Access.StudyPermission.Manage, what);
        return await db.Recordings.SingleOrDefaultAsync(r => r.Id == id) ?? throw Access.AccessException.RecordingNotFound();
    }
}
