using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage;
using PainReview.Data.Entities;

namespace PainReview.Data.Audit;

/// <summary>What <see cref="AuditChain.VerifyAsync"/> found: an intact trail, or the first event that breaks it and how.</summary>
public sealed record AuditChainResult(bool Intact, int Count, string? Head, long? EventId, string? Problem)
{
    /// <summary>One sentence: "audit trail intact: N events, head H", or the problem.</summary>
    public string Message => Intact ? $"audit trail intact: {Count} events, head {Head ?? "none (the trail is empty)"}" : Problem!;
}

/// <summary>
/// The audit log's hash chain (21 CFR Part 11 §11.10(e): a secure, computer-generated trail whose
/// changes can be detected). Each event's <see cref="AuditEvent.Hash"/> is the SHA-256 of a canonical
/// form of its content and of <see cref="AuditEvent.PreviousHash"/>, the hash of the event with the
/// next lower id (null for the first), so altering, removing or inserting an event breaks the chain
/// at that point. Writing (<see cref="PainReviewDbContext"/>'s SaveChanges), sealing old rows and
/// verifying all use the one canonical form here.
/// </summary>
public static class AuditChain
{
    /// <summary>The first line of the canonical form; a different form would get a new version.</summary>
    public const string Version = "painreview-audit-v1";

    /// <summary>The PostgreSQL advisory lock that serialises appends across processes (ASCII "PRAUDIT1").</summary>
    public const long AdvisoryLockKey = 0x5052_4155_4449_5431;

    private const int BatchSize = 1000;

    /// <summary>Appends within this process wait here first (the database lock serialises other processes).</summary>
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// The canonical, unambiguous bytes an event's hash is computed over (UTF-8): the version line,
    /// then one line per field in this order: at, user, action, entity_type, entity_id, study_id,
    /// recording_id, before, after, reason, previous_hash. A field is written <c>name!</c> when it
    /// is null and <c>name=LENGTH:VALUE</c> otherwise, LENGTH being the value's size in UTF-8 bytes,
    /// so no value can run into the next. Times are round-trip "O" format in UTC, ids lowercase "D"
    /// format. The event's Id is not part of it (it is assigned by the database on insert).
    /// </summary>
    public static byte[] Canonical(AuditEvent e)
    {
        using var buffer = new MemoryStream(256 + (e.Before?.Length ?? 0) + (e.After?.Length ?? 0));
        Ascii(buffer, Version);
        Field(buffer, "at", DateTime.SpecifyKind(e.AtUtc, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture));
        Field(buffer, "user", e.User);
        Field(buffer, "action", e.Action);
        Field(buffer, "entity_type", e.EntityType);
        Field(buffer, "entity_id", e.EntityId);
        Field(buffer, "study_id", e.StudyId?.ToString("D"));
        Field(buffer, "recording_id", e.RecordingId?.ToString("D"));
        Field(buffer, "before", e.Before);
        Field(buffer, "after", e.After);
        Field(buffer, "reason", e.Reason);
        Field(buffer, "previous_hash", e.PreviousHash);
        return buffer.ToArray();
    }

    /// <summary>The event's hash (lowercase hex SHA-256 of <see cref="Canonical"/>, which includes its PreviousHash).</summary>
    public static string ComputeHash(AuditEvent e) => Convert.ToHexStringLower(SHA256.HashData(Canonical(e)));

    /// <summary>A time as every database keeps it: UTC, to the microsecond (PostgreSQL's precision).</summary>
    public static DateTime Normalize(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }

    private static void Ascii(MemoryStream buffer, string text) => buffer.Write(Encoding.ASCII.GetBytes(text));

    private static void Field(MemoryStream buffer, string name, string? value)
    {
        Ascii(buffer, "\n" + name);
        if (value is null)
        {
            Ascii(buffer, "!");
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        Ascii(buffer, "=" + bytes.Length.ToString(CultureInfo.InvariantCulture) + ":");
        buffer.Write(bytes);
    }

    // ---- Writing ------------------------------------------------------------------------------

    /// <summary>
    /// Saves the context's changes with its new audit events chained: under the process's gate and
    /// the database's write lock (SQLite: a write before anything is read, so the transaction holds
    /// the RESERVED lock; PostgreSQL: an advisory transaction lock), it reads the last hash, chains
    /// the new events in the order they were added (the order EF inserts them, so ids follow the
    /// chain) and saves, all in one transaction: the caller's when there is one, else its own.
    /// </summary>
    internal static async ValueTask<int> SaveChainedAsync(PainReviewDbContext db, bool acceptAllChangesOnSuccess,
        Func<bool, int> save, Func<bool, CancellationToken, Task<int>> saveAsync, bool async, CancellationToken cancellationToken)
    {
        var added = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added)
            .OrderBy(e => e.Property(a => a.Id).CurrentValue).ToList();
        // In a caller's transaction the database lock may already be held: waiting for the gate then
        // could deadlock with a writer that holds the gate and waits for that lock. The lock alone
        // serialises such writers.
        var owned = db.Database.CurrentTransaction is null;
        if (owned)
        {
            if (async) await Gate.WaitAsync(cancellationToken);
            else Gate.Wait(cancellationToken);
        }
        try
        {
            IDbContextTransaction? transaction = !owned ? null
                : async ? await db.Database.BeginTransactionAsync(cancellationToken) : db.Database.BeginTransaction();
            try
            {
                await LockAsync(db, async, cancellationToken);
                var last = await LastAsync(db, async, cancellationToken);
                if (last is { Hash: null } && await SealCoreAsync(db, async, cancellationToken) > 0)
                    last = await LastAsync(db, async, cancellationToken);
                var previous = last?.Hash;
                foreach (var entry in added)
                {
                    var e = entry.Entity;
                    e.AtUtc = Normalize(e.AtUtc);
                    e.PreviousHash = previous;
                    e.Hash = ComputeHash(e);
                    previous = e.Hash;
                }
                // Own transaction: changes are accepted only once it has committed.
                var accept = !owned && acceptAllChangesOnSuccess;
                var result = async ? await saveAsync(accept, cancellationToken) : save(accept);
                CheckOrder(added, last?.Id);
                if (transaction is not null)
                {
                    if (async) await transaction.CommitAsync(cancellationToken);
                    else transaction.Commit();
                    if (acceptAllChangesOnSuccess) db.ChangeTracker.AcceptAllChanges();
                }
                return result;
            }
            finally
            {
                if (transaction is not null)
                {
                    if (async) await transaction.DisposeAsync();
                    else transaction.Dispose();
                }
            }
        }
        finally
        {
            if (owned) Gate.Release();
        }
    }

    /// <summary>The ids the database gave must follow the chain (a safeguard: EF inserts in the order the events were added).</summary>
    private static void CheckOrder(List<EntityEntry<AuditEvent>> added, long? lastId)
    {
        var previous = lastId ?? long.MinValue;
        foreach (var entry in added)
        {
            var id = entry.Property(a => a.Id).CurrentValue;
            if (id <= previous)
                throw new InvalidOperationException("The audit events were not stored in the order they were chained; nothing was saved.");
            previous = id;
        }
    }

    private sealed record Last(long Id, string? Hash);

    private static async ValueTask<Last?> LastAsync(PainReviewDbContext db, bool async, CancellationToken cancellationToken)
    {
        var query = db.AuditEvents.AsNoTracking().IgnoreQueryFilters().OrderByDescending(a => a.Id).Select(a => new Last(a.Id, a.Hash));
        return async ? await query.FirstOrDefaultAsync(cancellationToken) : query.FirstOrDefault();
    }

    /// <summary>Takes the database's write lock for the rest of the transaction, before the last hash is read.</summary>
    private static async ValueTask LockAsync(PainReviewDbContext db, bool async, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            FormattableString sql = $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})";
            if (async) await db.Database.ExecuteSqlAsync(sql, cancellationToken);
            else db.Database.ExecuteSql(sql);
        }
        else if (db.Database.IsSqlite())
        {
            // EF's BeginTransaction is BEGIN IMMEDIATE on SQLite, but a caller's transaction may be
            // deferred: a statement that writes (and matches no row) takes the RESERVED lock either way.
            const string sql = "UPDATE \"AuditEvents\" SET \"Hash\" = \"Hash\" WHERE 0";
            if (async) await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
            else db.Database.ExecuteSqlRaw(sql);
        }
        else
        {
            throw new NotSupportedException($"The audit chain has no write lock for the {db.Database.ProviderName} provider.");
        }
    }

    // ---- Sealing rows written before the chain ------------------------------------------------

    /// <summary>
    /// Chains the events of a database from before the hash chain, once, in id order (the trail
    /// starts with the oldest). Only a trail with no hashed event at all is sealed: an unhashed
    /// event after the chain began was not written by PainReview, and verification reports it.
    /// Returns how many events were sealed.
    /// </summary>
    public static async Task<int> SealUnhashedAsync(PainReviewDbContext db, CancellationToken cancellationToken = default)
    {
        if (!await db.AuditEvents.IgnoreQueryFilters().AnyAsync(a => a.Hash == null, cancellationToken)) return 0;
        var owned = db.Database.CurrentTransaction is null;
        if (owned) await Gate.WaitAsync(cancellationToken);
        try
        {
            await using var transaction = owned ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            await LockAsync(db, async: true, cancellationToken);
            var sealedCount = await SealCoreAsync(db, async: true, cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
            return sealedCount;
        }
        finally
        {
            if (owned) Gate.Release();
        }
    }

    /// <summary>Seals every event when none is hashed yet; the caller holds the write lock.</summary>
    private static async ValueTask<int> SealCoreAsync(PainReviewDbContext db, bool async, CancellationToken cancellationToken)
    {
        var started = db.AuditEvents.IgnoreQueryFilters().Where(a => a.Hash != null);
        if (async ? await started.AnyAsync(cancellationToken) : started.Any()) return 0;
        string? previous = null;
        var after = long.MinValue;
        var count = 0;
        while (true)
        {
            var batch = db.AuditEvents.AsNoTracking().IgnoreQueryFilters().Where(a => a.Id > after).OrderBy(a => a.Id).Take(BatchSize);
            var events = async ? await batch.ToListAsync(cancellationToken) : batch.ToList();
            foreach (var e in events)
            {
                e.PreviousHash = previous;
                var hash = ComputeHash(e);
                // The append-only guard is in SaveChanges; this narrow update only fills the chain
                // columns of an event that has none.
                var row = db.AuditEvents.IgnoreQueryFilters().Where(a => a.Id == e.Id && a.Hash == null);
                var updated = async
                    ? await row.ExecuteUpdateAsync(s => s.SetProperty(a => a.PreviousHash, previous).SetProperty(a => a.Hash, hash), cancellationToken)
                    : row.ExecuteUpdate(s => s.SetProperty(a => a.PreviousHash, previous).SetProperty(a => a.Hash, hash));
                if (updated != 1) throw new InvalidOperationException($"Audit event {e.Id} changed while the trail was being sealed.");
                previous = hash;
                count++;
            }
            if (events.Count < BatchSize) return count;
            after = events[^1].Id;
        }
    }

    // ---- Verifying ----------------------------------------------------------------------------

    /// <summary>
    /// Walks every event in id order and checks that each one's content matches its hash and that it
    /// follows the one before it. With <paramref name="anchor"/> (a head hash recorded elsewhere
    /// earlier), the trail must also still contain that event: this catches a trail cut short at its
    /// end or rewritten from some point on, which the chain alone cannot.
    /// </summary>
    public static async Task<AuditChainResult> VerifyAsync(PainReviewDbContext db, string? anchor = null, CancellationToken cancellationToken = default)
    {
        anchor = string.IsNullOrWhiteSpace(anchor) ? null : anchor.Trim().ToLowerInvariant();
        var count = 0;
        var anchored = anchor is null;
        AuditEvent? previous = null, current = null;
        await foreach (var next in ReadAllAsync(db, cancellationToken))
        {
            if (current is not null)
            {
                if (await ProblemAsync(db, previous, current, next, cancellationToken) is { } problem)
                    return new AuditChainResult(false, count, previous?.Hash, current.Id, problem);
                count++;
                anchored |= current.Hash == anchor;
                previous = current;
            }
            current = next;
        }
        if (current is not null)
        {
            if (await ProblemAsync(db, previous, current, null, cancellationToken) is { } problem)
                return new AuditChainResult(false, count, previous?.Hash, current.Id, problem);
            count++;
            anchored |= current.Hash == anchor;
            previous = current;
        }
        if (!anchored)
            return new AuditChainResult(false, count, previous?.Hash, null,
                $"the recorded head {anchor} is not in the trail: events were removed from its end, or the trail was rewritten from some point on");
        return new AuditChainResult(true, count, previous?.Hash, null, null);
    }

    private static async IAsyncEnumerable<AuditEvent> ReadAllAsync(PainReviewDbContext db,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = long.MinValue;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking().IgnoreQueryFilters().Where(a => a.Id > after).OrderBy(a => a.Id)
                .Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var e in batch) yield return e;
            if (batch.Count < BatchSize) yield break;
            after = batch[^1].Id;
        }
    }

    /// <summary>What is wrong with event <paramref name="e"/>, which comes after <paramref name="p"/> and before <paramref name="n"/>; null if nothing.</summary>
    private static async Task<string?> ProblemAsync(PainReviewDbContext db, AuditEvent? p, AuditEvent e, AuditEvent? n, CancellationToken cancellationToken)
    {
        if (e.Hash is null)
            return $"event {e.Id} was inserted: it has no hash, so it was not written by PainReview's audit log";
        var expected = p?.Hash;
        var linked = string.Equals(e.PreviousHash, expected, StringComparison.Ordinal);
        var intact = string.Equals(ComputeHash(e), e.Hash, StringComparison.Ordinal);
        if (linked && intact) return null;
        var after = p is null ? "the start of the trail" : $"event {p.Id}";

        if (!intact)
        {
            // An altered event keeps the hash its successor was chained to; a forged one was never chained to.
            var successorSkipsIt = n is not null && string.Equals(n.PreviousHash, expected, StringComparison.Ordinal)
                && !string.Equals(n.PreviousHash, e.Hash, StringComparison.Ordinal);
            if (successorSkipsIt)
                return $"event {e.Id} was inserted: event {n!.Id} follows {after}, not event {e.Id}, whose hash is made up";
            if (linked || (n is not null && string.Equals(n.PreviousHash, e.Hash, StringComparison.Ordinal)))
                return $"event {e.Id} was altered (its content does not match its hash)";
            return $"event {e.Id} was inserted or altered: it does not follow {after} and its content does not match its hash";
        }

        // Its content matches its hash, but it is chained to something other than the event before it.
        var copyOf = await db.AuditEvents.AsNoTracking().IgnoreQueryFilters().Where(a => a.Hash == e.Hash && a.Id != e.Id)
            .OrderBy(a => a.Id).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (copyOf is { } original)
            return $"event {e.Id} was inserted: it is a copy of event {original}";
        if (p is null)
            return $"event {e.Id} does not start the trail: it was chained to an earlier event, so the events before it were removed";
        if (e.PreviousHash is null)
            return $"event {e.Id} does not follow event {p.Id}: it claims to start the trail, so the events before it were inserted or its link was removed";
        var chainedTo = await db.AuditEvents.AsNoTracking().IgnoreQueryFilters().Where(a => a.Hash == e.PreviousHash)
            .OrderBy(a => a.Id).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (chainedTo is { } q && q < p.Id)
        {
            var inserted = await db.AuditEvents.AsNoTracking().IgnoreQueryFilters().Where(a => a.Id > q && a.Id < e.Id)
                .OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(cancellationToken);
            return inserted.Count == 1
                ? $"event {p.Id} was inserted: event {e.Id} follows event {q}, not event {p.Id}"
                : $"events {inserted[0]}-{p.Id} were inserted: event {e.Id} follows event {q}, not event {p.Id}";
        }
        if (chainedTo is { } later && later > e.Id)
            return $"event {e.Id} does not follow event {p.Id}: it follows event {later}, which comes after it, so the events were reordered";
        return (e.Id - p.Id) switch
        {
            2 => $"event {e.Id} does not follow event {p.Id}: event {p.Id + 1} was removed or reordered",
            > 2 => $"event {e.Id} does not follow event {p.Id}: events {p.Id + 1}-{e.Id - 1} were removed or reordered",
            _ => $"event {e.Id} does not follow event {p.Id}: event {p.Id} was replaced (its content and hash rewritten), or an event between them was removed",
        };
    }
}
