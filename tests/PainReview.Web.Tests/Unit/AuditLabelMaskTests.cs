using PainReview.Web.Features.Audit;

namespace PainReview.Web.Tests.Unit;

/// <summary>Unit: what a rater blinded to the labels reads of an event's details (VAS and HPII masked, nothing else).</summary>
public sealed class AuditLabelMaskTests
{
    [Fact]
    public void Vas_hpii_and_pspi_values_read_blinded_at_any_depth_and_the_rest_is_left_as_it_was()
    {
        var (json, masked) = AuditTrail.MaskLabels(
            """{"participant":"P01","VasSelfReport":6.85,"scores":{"hpiiMeanAll":0.4321,"frames":12},"list":[{"PspiMeanAll":1.5,"apexFrames":3}],"empty":null}""",
            "recording.uploaded");
        Assert.True(masked);
        Assert.Equal("""{"participant":"P01","VasSelfReport":"blinded","scores":{"hpiiMeanAll":"blinded","frames":12},"list":[{"PspiMeanAll":"blinded","apexFrames":3}],"empty":null}""", json);
    }

    [Fact]
    public void Every_value_of_a_vas_event_reads_blinded_and_details_without_labels_stay_as_they_were()
    {
        Assert.Equal(("""{"vas":"blinded","selfReport":"blinded"}""", true), AuditTrail.MaskLabels("""{"vas":7.35,"selfReport":6.85}""", "vas.corrected"));
        const string decision = """{"frame":12,"slot":"First","decision":"Accepted"}""";
        Assert.Equal((decision, false), AuditTrail.MaskLabels(decision, "rater.accepted"));
        Assert.Equal(((string?)null, false), AuditTrail.MaskLabels(null, "recording.uploaded"));
        // Details that are not JSON cannot be read for labels: masked whole.
        Assert.Equal(("blinded", true), AuditTrail.MaskLabels("VAS 7.35", "recording.uploaded"));
    }
}
