using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PainReview.Data;
using PainReview.Web.Infrastructure;

namespace PainReview.Web.Tests.Unit;

/// <summary>Unit: the portal's settings bind as enums in any letter case and bad combinations fail at start with a sentence.</summary>
public sealed class PortalOptionsTests
{
    private static PortalOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PortalOptions>>().Value;
    }

    [Fact]
    public void Settings_bind_as_enums_in_any_letter_case()
    {
        var options = Resolve(new()
        {
            ["PainReview:Role"] = "worker",
            ["PainReview:JobStorage"] = "postgresql",
            ["PainReview:DatabaseProvider"] = "POSTGRESQL",
        });
        Assert.Equal(PortalRole.Worker, options.Role);
        Assert.Equal(JobStorageKind.PostgreSql, options.JobStorage);
        Assert.Equal(DatabaseProvider.PostgreSql, options.DatabaseProvider);
        Assert.False(options.ServesPages);
        Assert.True(options.RunsJobs);
    }

    [Fact]
    public void The_embedded_defaults_are_valid()
    {
        var options = Resolve([]);
        Assert.Equal(PortalRole.All, options.Role);
        Assert.Null(options.Problem());
    }

    [Theory]
    [InlineData("web", "InMemory", "Sqlite", "A separate web process needs job storage shared with the others")]
    [InlineData("all", "PostgreSql", "Sqlite", "PostgreSQL job storage needs the PostgreSQL app database")]
    public void A_bad_combination_fails_with_a_sentence_that_says_what_to_set(string role, string storage, string database, string sentence)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["PainReview:Role"] = role,
            ["PainReview:JobStorage"] = storage,
            ["PainReview:DatabaseProvider"] = database,
        }));
        Assert.Contains(sentence, error.Message);
    }

    [Fact]
    public void An_unknown_role_name_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => Resolve(new() { ["PainReview:Role"] = "janitor" }));
    }
}
