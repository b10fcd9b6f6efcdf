using PainReview.Web.Features.Access;
using PainReview.Web.Features.Export;
using PainReview.Web.Features.Review;
using PainReview.Web.Features.Studies;

namespace PainReview.Web.Features;

/// <summary>
/// The HTTP endpoints beside the pages, mapped feature by feature: account (sign-out, keep-alive),
/// review media, data downloads and the study API.
/// </summary>
public static class PortalEndpoints
{
    /// <summary>Browsers cannot send a custom header across sites without asking first: this guards the API against CSRF.</summary>
    public const string ApiHeader = "X-PainReview-Api";

    public static void MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapAccountEndpoints();
        app.MapReviewMedia();
        app.MapDataEndpoints();
        app.MapStudyApi();
    }
}
