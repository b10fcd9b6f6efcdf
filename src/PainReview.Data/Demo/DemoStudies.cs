using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using PainReview.Data.Audit;
using PainReview.Data.Entities;

namespace PainReview.Data.Demo;

public sealed record DemoResult(Study Study, IReadOnlyList<string> Added, IReadOnlyList<string> Skipped);

/// <summary>What a demo recording records of its video (the pipeline's probe, mapped by the caller).</summary>
public sealed record DemoVideo(string Container, string Codec, int Width, int Height, int Rotation, double FrameRate, TimeSpan Duration, bool IsStillImage);

/// <summary>Probes one file; throws <see cref="InvalidDataException"/> with a sentence when it is no video PainReview can read.</summary>
public delegate Task<DemoVideo> DemoVideoProbe(string path, CancellationToken cancellationToken);

/// <summary>
/// Demo studies: built from the videos in a folder, with generated VAS labels marked as such, kept
/// apart from real studies (flagged, named "Demo: ...") and deletable in one action.
/// </summary>
public static class DemoStudies
{
    public const string GeneratedLabelNote = "DEMO: the VAS label was generated, not reported by a participant.";

    public static async Task<DemoResult> CreateAsync(PainReviewDbContext db, string folder, string videoStore, string createdBy,
        DemoVideoProbe probe, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"No such folder: {folder}");
        var baseName = $"Demo: {new DirectoryInfo(folder).Name} ({DateTime.UtcNow:yyyy-MM-dd HH:mm})";
        var name = baseName;
        for (var n = 2; await db.Studies.AnyAsync(s => s.Name == name, cancellationToken); n++) name = $"{baseName} #{n}";
        var study = new Study { Name = name, IsDemo = true, CreatedBy = createdBy, Description = "Generated demo data. Not for analysis or publication." };
        db.Studies.Add(study);
        var added = new List<string>();
        var skipped = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        Directory.CreateDirectory(videoStore);
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            DemoVideo info;
            try
            {
                info = await probe(path, cancellationToken);
                if (info.IsStillImage) { skipped.Add($"{Path.GetFileName(path)}: a still image"); continue; }
            }
            catch (InvalidDataException e)
            {
                skipped.Add($"{Path.GetFileName(path)}: {e.Message}");
                continue;
            }
            string sha;
            await using (var stream = File.OpenRead(path)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            // As for uploads: one video once per study.
            if (seen.TryGetValue(sha, out var first)) { skipped.Add($"{Path.GetFileName(path)}: the same video as {first}"); continue; }
            seen[sha] = Path.GetFileName(path);
            var participant = new Participant { Code = $"DEMO-{added.Count + 1:00}" };
            study.Participants.Add(participant);
            var recording = new Recording
            {
                Participant = participant, OriginalFileName = Path.GetFileName(path), StoredFileName = "", FileBytes = new FileInfo(path).Length,
                Sha256 = sha, Timepoint = "demo", VasSelfReport = GeneratedVas(sha), Notes = GeneratedLabelNote,
                Container = info.Container, Codec = info.Codec, Width = info.Width, Height = info.Height, Rotation = info.Rotation,
                FrameRate = info.FrameRate, DurationSeconds = info.Duration.TotalSeconds, UploadedBy = createdBy,
                Status = RecordingStatus.Queued,
            };
            recording.StoredFileName = StoredFiles.NameFor(recording.Id, path);
            File.Copy(path, Path.Combine(videoStore, recording.StoredFileName));
            study.Recordings.Add(recording);
            added.Add(Path.GetFileName(path));
        }
        if (added.Count == 0) throw new InvalidDataException($"{folder} holds no video PainReview can read ({string.Join("; ", skipped)}).");
        db.AuditEvents.Add(new AuditEvent
        {
            User = createdBy, Action = "demo.created", EntityType = nameof(Study), EntityId = study.Id.ToString(), StudyId = study.Id,
            After = AuditJson.Serialize(new { recordings = added.Count, generated_vas = true }),
        });
        await db.SaveChangesAsync(cancellationToken);
        return new DemoResult(study, added, skipped);
    }

    /// <summary>A plausible VAS from the file's hash: repeatable, and plainly not a measurement.</summary>
    public static double GeneratedVas(string sha256) =>
        Math.Round(int.Parse(sha256[..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % 21 / 2.0, 1);

    /// <summary>Deletes a demo study with its recordings, files and results. Real studies are refused.</summary>
    public static async Task DeleteAsync(PainReviewDbContext db, Guid studyId, string videoStore, string user, CancellationToken cancellationToken = default)
    {
        // An analysis may claim or finish a recording meanwhile (run tokens are concurrency tokens): try again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DeleteOnceAsync(db, studyId, videoStore, user, cancellationToken);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task DeleteOnceAsync(PainReviewDbContext db, Guid studyId, string videoStore, string user, CancellationToken cancellationToken)
    {
        var study = await db.Studies.Include(s => s.Recordings).SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new InvalidOperationException("That study does not exist.");
        if (!study.IsDemo) throw new InvalidOperationException($"{study.Name} is a real study: only demo studies are deleted this way.");
        var files = study.Recordings.Select(r => r.StoredFileName).ToList();
        db.AuditEvents.Add(new AuditEvent
        {
            User = user, Action = "demo.deleted", EntityType = nameof(Study), EntityId = study.Id.ToString(), StudyId = study.Id,
            Before = AuditJson.Serialize(new { name = study.Name, recordings = study.Recordings.Count }),
        });
        db.Recordings.RemoveRange(study.Recordings);
        db.Studies.Remove(study);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var file in files)
        {
            var path = Path.Combine(videoStore, file);
            if (File.Exists(path)) File.Delete(path);
        }
    }
}
