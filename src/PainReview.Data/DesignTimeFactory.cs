using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PainReview.Data;

/// <summary>Lets 'dotnet ef migrations add' build the context without starting the web app.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PainReviewDbContext>
{
    public PainReviewDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PainReviewDbContext>().UseSqlite("Data Source=design.db").Options);
}
