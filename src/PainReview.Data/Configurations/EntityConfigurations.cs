using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PainReview.Data.Entities;

namespace PainReview.Data.Configurations;

internal sealed class StudyConfiguration : IEntityTypeConfiguration<Study>
{
    public void Configure(EntityTypeBuilder<Study> b)
    {
        b.Property(s => s.Name).HasMaxLength(200);
        b.HasIndex(s => s.Name).IsUnique();
        b.Property(s => s.Description).HasMaxLength(2000);
        b.Property(s => s.CreatedBy).HasMaxLength(256);
    }
}

internal sealed class ParticipantConfiguration : IEntityTypeConfiguration<Participant>
{
    public void Configure(EntityTypeBuilder<Participant> b)
    {
        b.Property(p => p.Code).HasMaxLength(32);
        b.Property(p => p.NormalizedCode).HasMaxLength(32);
        b.HasIndex(p => new { p.StudyId, p.NormalizedCode }).IsUnique();
        b.Property(p => p.WithdrawnBy).HasMaxLength(256);
        b.Property(p => p.WithdrawalReason).HasMaxLength(2000);
        b.HasOne(p => p.Study).WithMany(s => s.Participants).HasForeignKey(p => p.StudyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RecordingConfiguration : IEntityTypeConfiguration<Recording>
{
    public void Configure(EntityTypeBuilder<Recording> b)
    {
        b.Property(r => r.OriginalFileName).HasMaxLength(260);
        b.Property(r => r.StoredFileName).HasMaxLength(100);
        b.Property(r => r.Sha256).HasMaxLength(64);
        b.HasIndex(r => new { r.StudyId, r.Sha256 }).IsUnique();
        // A deleted recording is hidden from every query; purging and the duplicate check ask for it explicitly.
        b.HasQueryFilter(r => r.DeletedUtc == null);
        b.Property(r => r.DeletedBy).HasMaxLength(256);
        b.Property(r => r.DeletionReason).HasMaxLength(2000);
        b.HasIndex(r => r.Status);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Timepoint).HasMaxLength(100);
        b.Property(r => r.Notes).HasMaxLength(4000);
        b.Property(r => r.Error).HasMaxLength(2000);
        b.Property(r => r.UploadedBy).HasMaxLength(256);
        b.HasOne(r => r.Study).WithMany(s => s.Recordings).HasForeignKey(r => r.StudyId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(r => r.Participant).WithMany(p => p.Recordings).HasForeignKey(r => r.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(r => r.FrameResults).WithOne().HasForeignKey(f => f.RecordingId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(r => r.Decisions).WithOne().HasForeignKey(d => d.RecordingId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(r => r.VasCorrections).WithOne().HasForeignKey(v => v.RecordingId).OnDelete(DeleteBehavior.Cascade);
        b.Property(r => r.ReviewState).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.ReviewedBy).HasMaxLength(256);
        b.Property(r => r.ReviewVersion).IsConcurrencyToken();
        // A run writes its results only while its token is current: a superseded run's write fails.
        b.Property(r => r.RunToken).IsConcurrencyToken();
        b.Property(r => r.Worker).HasMaxLength(200);
    }
}

internal sealed class StudyProtocolConfiguration : IEntityTypeConfiguration<StudyProtocol>
{
    public void Configure(EntityTypeBuilder<StudyProtocol> b)
    {
        b.HasIndex(p => new { p.StudyId, p.Version }).IsUnique();
        b.Property(p => p.CreatedBy).HasMaxLength(256);
        b.Property(p => p.Reason).HasMaxLength(2000);
        b.HasOne<Study>().WithMany(s => s.Protocols).HasForeignKey(p => p.StudyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FrameResultConfiguration : IEntityTypeConfiguration<FrameResult>
{
    public void Configure(EntityTypeBuilder<FrameResult> b)
    {
        b.HasIndex(f => new { f.RecordingId, f.FrameIndex }).IsUnique();
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.Property(a => a.User).HasMaxLength(256);
        b.Property(a => a.Action).HasMaxLength(100);
        b.Property(a => a.EntityType).HasMaxLength(100);
        b.Property(a => a.EntityId).HasMaxLength(100);
        b.Property(a => a.PreviousHash).HasMaxLength(64);
        b.Property(a => a.Hash).HasMaxLength(64);
        b.HasIndex(a => a.RecordingId);
        b.HasIndex(a => a.StudyId);
        b.HasIndex(a => a.AtUtc);
    }
}

internal sealed class ReviewDecisionConfiguration : IEntityTypeConfiguration<ReviewDecision>
{
    public void Configure(EntityTypeBuilder<ReviewDecision> b)
    {
        b.HasIndex(d => new { d.RecordingId, d.FrameIndex }).IsUnique();
        b.Property(d => d.Decision).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.Reason).HasMaxLength(1000);
        b.Property(d => d.Reviewer).HasMaxLength(256);
    }
}

internal sealed class VasCorrectionConfiguration : IEntityTypeConfiguration<VasCorrection>
{
    public void Configure(EntityTypeBuilder<VasCorrection> b)
    {
        b.Property(v => v.Reason).HasMaxLength(1000);
        b.Property(v => v.CorrectedBy).HasMaxLength(256);
        b.HasIndex(v => v.RecordingId);
    }
}

internal sealed class StudyMemberConfiguration : IEntityTypeConfiguration<StudyMember>
{
    public void Configure(EntityTypeBuilder<StudyMember> b)
    {
        b.Property(m => m.Role).HasMaxLength(32);
        b.Property(m => m.AddedBy).HasMaxLength(256);
        b.HasIndex(m => new { m.StudyId, m.UserId, m.Role }).IsUnique();
        b.HasIndex(m => m.UserId);
        b.HasOne(m => m.Study).WithMany().HasForeignKey(m => m.StudyId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.Hash).HasMaxLength(64);
        b.Property(t => t.Prefix).HasMaxLength(16);
        b.HasIndex(t => t.Hash).IsUnique();
        b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReviewSignatureConfiguration : IEntityTypeConfiguration<ReviewSignature>
{
    public void Configure(EntityTypeBuilder<ReviewSignature> b)
    {
        b.Property(s => s.SignerId).HasMaxLength(450);
        b.Property(s => s.SignerName).HasMaxLength(256);
        b.Property(s => s.SignerEmail).HasMaxLength(256);
        b.Property(s => s.Meaning).HasMaxLength(32);
        b.Property(s => s.RecordHash).HasMaxLength(64);
        b.Property(s => s.AnalysisVersion).HasMaxLength(100);
        b.Property(s => s.VoidedBy).HasMaxLength(256);
        b.Property(s => s.VoidReason).HasMaxLength(2000);
        b.Ignore(s => s.IsActive);
        b.HasIndex(s => s.RecordingId);
        b.HasOne<Recording>().WithMany(r => r.Signatures).HasForeignKey(s => s.RecordingId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CorrectionConfiguration : IEntityTypeConfiguration<Correction>
{
    public void Configure(EntityTypeBuilder<Correction> b)
    {
        b.Property(c => c.Field).HasMaxLength(32);
        b.Property(c => c.Before).HasMaxLength(400);
        b.Property(c => c.After).HasMaxLength(400);
        b.Property(c => c.Reason).HasMaxLength(2000);
        b.Property(c => c.CorrectedBy).HasMaxLength(256);
        b.HasIndex(c => c.RecordingId);
        b.HasIndex(c => c.ParticipantId);
        b.HasIndex(c => c.StudyId);
    }
}

internal sealed class RaterAssignmentConfiguration : IEntityTypeConfiguration<RaterAssignment>
{
    public void Configure(EntityTypeBuilder<RaterAssignment> b)
    {
        b.HasIndex(a => new { a.RecordingId, a.Slot }).IsUnique();
        b.HasIndex(a => new { a.StudyId, a.UserId });
        b.Property(a => a.Slot).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.UserId).HasMaxLength(450);
        b.Property(a => a.UserName).HasMaxLength(256);
        b.Property(a => a.AssignedBy).HasMaxLength(256);
        b.HasOne<Recording>().WithMany().HasForeignKey(a => a.RecordingId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RaterDecisionConfiguration : IEntityTypeConfiguration<RaterDecision>
{
    public void Configure(EntityTypeBuilder<RaterDecision> b)
    {
        b.HasIndex(d => new { d.RecordingId, d.Slot, d.FrameIndex }).IsUnique();
        b.Property(d => d.Slot).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.Decision).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.Reason).HasMaxLength(1000);
        b.Property(d => d.Reviewer).HasMaxLength(256);
        b.HasOne<Recording>().WithMany().HasForeignKey(d => d.RecordingId).OnDelete(DeleteBehavior.Cascade);
    }
}
