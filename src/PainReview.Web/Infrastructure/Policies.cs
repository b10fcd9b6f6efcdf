using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using PainReview.Data.Entities;

namespace PainReview.Web.Infrastructure;

/// <summary>Who may open which pages, by name (the study-level checks are StudyAccess's).</summary>
public static class Policies
{
    /// <summary>Anyone who works in studies: Coordinator, Clinician, DataManager, Admin.</summary>
    public const string StudyStaff = nameof(StudyStaff);
    /// <summary>Who reads the audit trail: Clinician, DataManager, Admin.</summary>
    public const string AuditReaders = nameof(AuditReaders);
    /// <summary>Who exports data and sees cohort analytics: DataManager, Admin.</summary>
    public const string DataStewards = nameof(DataStewards);
    /// <summary>Who reviews recordings (queue and workspace): Clinician, Admin.</summary>
    public const string Reviewers = nameof(Reviewers);
    /// <summary>Who may watch recordings and their thumbnails: Clinician, Coordinator, Admin.</summary>
    public const string Viewers = nameof(Viewers);
    /// <summary>Who uploads recordings, signed in or with an API token: Coordinator, Admin.</summary>
    public const string Uploaders = nameof(Uploaders);
    public const string Admins = nameof(Admins);

    public static AuthorizationBuilder AddPortalPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(StudyStaff, p => p.RequireRole(Roles.Coordinator, Roles.Clinician, Roles.DataManager, Roles.Admin))
        .AddPolicy(AuditReaders, p => p.RequireRole(Roles.Clinician, Roles.DataManager, Roles.Admin))
        .AddPolicy(DataStewards, p => p.RequireRole(Roles.DataManager, Roles.Admin))
        .AddPolicy(Reviewers, p => p.RequireRole(Roles.Clinician, Roles.Admin))
        .AddPolicy(Viewers, p => p.RequireRole(Roles.Clinician, Roles.Coordinator, Roles.Admin))
        .AddPolicy(Uploaders, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, Features.Access.ApiTokenHandler.SchemeName)
            .RequireRole(Roles.Coordinator, Roles.Admin))
        .AddPolicy(Admins, p => p.RequireRole(Roles.Admin));
}
