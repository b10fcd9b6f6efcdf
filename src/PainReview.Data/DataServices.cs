using Microsoft.Extensions.DependencyInjection;

namespace PainReview.Data;

/// <summary>The data project's registration: the app database on the chosen engine.</summary>
public static class DataServices
{
    public static IServiceCollection AddPainReviewData(this IServiceCollection services, DatabaseProvider provider, string connectionString) =>
        services.AddDbContext<PainReviewDbContext>(o => o.Use(provider, connectionString));
}
