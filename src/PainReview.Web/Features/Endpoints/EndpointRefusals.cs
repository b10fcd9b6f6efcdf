using PainReview.Web.Features.Recordings;

namespace PainReview.Web.Features.Endpoints;

/// <summary>
/// The one endpoint filter that turns refusals a user can act on into problem details (RFC 9457)
/// with their sentence, never a 500. Every endpoint group of the portal carries it.
/// </summary>
public static class EndpointRefusals
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Protocols.ProtocolInvalidException e)
        {
            // One sentence per mistake, also as a list a script can show line by line.
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode, title: "The protocol was refused.",
                extensions: new Dictionary<string, object?> { ["errors"] = e.Problems });
        }
        catch (PortalValidationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode);
        }
        catch (BadHttpRequestException e)
        {
            return TypedResults.Problem($"The request could not be read: {e.Message}", statusCode: e.StatusCode);
        }
        catch (IOException e) when (VideoStore.DiskFull(e))
        {
            return TypedResults.Problem(new VideoStore.DiskFullException().Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
    }

    /// <summary>Adds the refusal filter to a group.</summary>
    public static RouteGroupBuilder WithRefusals(this RouteGroupBuilder group) => group.AddEndpointFilter(Filter);
}
