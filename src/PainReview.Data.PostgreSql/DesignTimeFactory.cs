using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PainReview.Data.PostgreSql;

/// <summary>Lets 'dotnet ef migrations add' build the PostgreSQL migrations without a server.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PainReviewDbContext>
{
    public PainReviewDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PainReviewDbContext>();
        options.Use(DatabaseProviders.PostgreSql, "Host=localhost;Database=painreview;Username=painreview");
        return new PainReviewDbContext(options.Options);
    }
}
