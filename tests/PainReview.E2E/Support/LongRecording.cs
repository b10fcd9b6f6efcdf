using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PainReview.Data;
using PainReview.Data.Entities;

namespace PainReview.E2E.Support;

/// <summary>
/// A long analysed recording without running the face pipeline over it: a generated clip
/// (ffmpeg's test pattern, low resolution) and frame results written straight into the portal's
/// database, with APEX spans every few seconds (some of them mostly smiles).
/// </summary>
public static class LongRecording
{
    public const double FramesPerSecond = 30;

    /// <summary>A clip of the given length at 30 frames/s, 160x120 H.264; made once per machine and reused.</summary>
    public static async Task<string> ClipAsync(int seconds)
    {
        var path = Path.Combine(Path.GetTempPath(), $"painreview-testsrc-{seconds}s.mp4");
        if (File.Exists(path)) return path;
        var partial = path + $".{Environment.ProcessId}.partial.mp4";
        var psi = new ProcessStartInfo("ffmpeg")
        {
            ArgumentList = { "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size=160x120:rate={FramesPerSecond.ToString(CultureInfo.InvariantCulture)}",
                "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p", partial },
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not generate the clip: {error}");
        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// Seeds a completed recording of <paramref name="frames"/> frames into <paramref name="studyId"/>
    /// (a new study when null): the clip copied into the video store, one frame result per frame.
    /// </summary>
    public static async Task<(Guid RecordingId, Guid StudyId, int Spans)> SeedAsync(string dataDirectory, string clip, int frames, Guid? studyId = null, string participant = "P-LONG")
    {
        var options = new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite($"Data Source={Path.Combine(dataDirectory, "painreview.db")}").Options;
        await using var db = new PainReviewDbContext(options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        Study? study = studyId is { } existing ? await db.Studies.SingleAsync(s => s.Id == existing) : null;
        if (study is null)
        {
            study = new Study { Name = "Long " + Guid.NewGuid().ToString("N")[..6], CreatedBy = "e2e" };
            db.Studies.Add(study);
        }
        var person = new Participant { StudyId = study.Id, Code = participant };
        db.Participants.Add(person);
        var id = Guid.NewGuid();
        var stored = $"{id:N}.mp4";
        var store = Directory.CreateDirectory(Path.Combine(dataDirectory, "videos")).FullName;
        File.Copy(clip, Path.Combine(store, stored));

        var results = Frames(id, frames);
        var spans = results.Zip(results.Skip(1)).Count(p => p.Second.Apex && !p.First.Apex) + (results[0].Apex ? 1 : 0);
        var apex = results.Where(f => f.Apex).ToList();
        db.Recordings.Add(new Recording
        {
            Id = id, StudyId = study.Id, ParticipantId = person.Id, OriginalFileName = "thirty-minutes.mp4", StoredFileName = stored,
            FileBytes = new FileInfo(clip).Length, Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), UploadedBy = "e2e",
            Container = "mov,mp4,m4a,3gp,3g2,mj2", Codec = "h264", Width = 160, Height = 120, FrameRate = FramesPerSecond, DurationSeconds = frames / FramesPerSecond,
            Status = RecordingStatus.Completed, Progress = 1, StartedUtc = DateTime.UtcNow, CompletedUtc = DateTime.UtcNow,
            Frames = frames, UsableFrames = results.Count(f => f.Usable), ApexFrames = apex.Count,
            HpiiMeanAll = results.Where(f => f.Hpii.HasValue).Average(f => f.Hpii!.Value), HpiiMeanApex = apex.Average(f => f.Hpii!.Value),
            HpiiPeak = results.Max(f => f.Hpii ?? 0), ProtocolVersion = null,
        });
        await db.SaveChangesAsync();
        // Frame results in large transactions of plain inserts (EF's per-entity tracking would take minutes).
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO FrameResults (RecordingId, FrameIndex, TimeSeconds, Face, Confidence, Usable, Au04, Au06, Au07, Au09, Au12, Hpii, Apex, Smile, PoseOk, Detected, MultipleFaces, SubjectUncertain, FeatureCount)
                VALUES ($r, $i, $t, 1, 0.99, $u, $a4, $a6, $a7, $a9, $a12, $h, $apex, $smile, 1, 1, 0, 0, 0)
                """;
            string[] names = ["$r", "$i", "$t", "$u", "$a4", "$a6", "$a7", "$a9", "$a12", "$h", "$apex", "$smile"];
            foreach (var name in names) { var p = insert.CreateParameter(); p.ParameterName = name; insert.Parameters.Add(p); }
            await insert.PrepareAsync();
            foreach (var f in results)
            {
                object?[] values = [id.ToString().ToUpperInvariant(), f.FrameIndex, f.TimeSeconds, f.Usable, f.Au04, f.Au06, f.Au07, f.Au09, f.Au12, f.Hpii, f.Apex, f.Smile];
                for (var k = 0; k < values.Length; k++) insert.Parameters[k].Value = values[k] ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        return (id, study.Id, spans);
    }

    /// <summary>
    /// Smooth AU curves with an APEX span of 4-12 frames every 2.5 s; every fourth span is mostly a
    /// smile; one frame in 200 has no usable face.
    /// </summary>
    public static List<FrameResult> Frames(Guid recordingId, int frames)
    {
        var list = new List<FrameResult>(frames);
        const int period = 75;
        for (var i = 0; i < frames; i++)
        {
            var t = i / FramesPerSecond;
            var phase = i % period;
            var spanIndex = i / period;
            var spanLength = 4 + spanIndex % 9;
            var apex = phase >= 30 && phase < 30 + spanLength;
            var usable = i % 200 != 199 || apex;
            var wave = 0.5 + 0.5 * Math.Sin(t / 7.0) * Math.Cos(t / 53.0);
            var bump = apex ? 1.5 + 0.1 * (phase - 30) : 0;
            float? Au(double scale) => usable ? (float)Math.Clamp(scale * (wave * 2 + bump), 0, 5) : null;
            list.Add(new FrameResult
            {
                RecordingId = recordingId, FrameIndex = i, TimeSeconds = Math.Round(t, 6), Face = true, Confidence = 0.99f, Usable = usable,
                Au04 = Au(0.9), Au06 = Au(0.8), Au07 = Au(0.7), Au09 = Au(0.5), Au12 = Au(spanIndex % 4 == 0 ? 1.2 : 0.2),
                Hpii = usable ? Math.Round(wave * 3 + bump * 2, 4) : null, Apex = apex, Smile = apex && spanIndex % 4 == 0,
            });
        }
        return list;
    }
}
