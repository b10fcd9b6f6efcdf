using Microsoft.EntityFrameworkCore;

namespace PainReview.Data;

/// <summary>The database engines PainReview runs on: SQLite embedded, PostgreSQL to scale out.</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>The engines by name (command lines, tests) and the context's configuration for each.</summary>
public static class DatabaseProviders
{
    public const string Sqlite = nameof(Sqlite);
    public const string PostgreSql = nameof(PostgreSql);
    public const string PostgreSqlMigrationsAssembly = "PainReview.Data.PostgreSql";

    /// <summary>Configures the context for a provider; each provider has its own migrations.</summary>
    public static DbContextOptionsBuilder Use(this DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString) =>
        options.Use(provider.ToString(), connectionString);

    /// <summary>Configures the context for a provider named in any letter case.</summary>
    public static DbContextOptionsBuilder Use(this DbContextOptionsBuilder options, string provider, string connectionString) =>
        provider.Equals(PostgreSql, StringComparison.OrdinalIgnoreCase)
            ? options.UseNpgsql(connectionString, o => o.MigrationsAssembly(PostgreSqlMigrationsAssembly))
            : provider.Equals(Sqlite, StringComparison.OrdinalIgnoreCase)
                ? options.UseSqlite(connectionString)
                : throw new InvalidOperationException($"Unknown database provider '{provider}': use {Sqlite} or {PostgreSql}.");
}
