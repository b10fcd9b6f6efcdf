using PainReview.Pipeline.Analysis;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: the summary document is written and read back by one type, and earlier documents still read.</summary>
public sealed class AnalysisDocumentTests
{
    private static readonly ScoreSummary None = new(null, null, null, null, null);

    [Fact]
    public void A_document_reads_back_as_written()
    {
        var written = new AnalysisDocument
        {
            Tool = new AnalysisTool("PainReview", "1.2.3"),
            CreatedUtc = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero),
            Video = new AnalysedVideo("clip.mp4", 1234, new string('a', 64), "mov,mp4,m4a,3gp,3g2,mj2", "h264", 640, 480, 90, 29.97, 28.1, false),
            Config = new AnalysisConfig(),
            Models = [new AnalysisModel("face_landmark", "face_landmark.onnx", new string('b', 64), "pkg@1.0:face_landmark.tflite", new string('c', 64))],
            Summary = new RecordingSummary
            {
                Frames = 842, UsableFrames = 800, UsableShare = 800 / 842.0, NoFaceFrames = 30, PoseOutOfRangeFrames = 12, ApexFrames = 200, ApexShare = 0.25,
                Baseline = "auto", Hpii = new ScoreSummary(1.5, 4.25, 2, 9.5, 12.3), Pspi = None,
                ActionUnits = new Dictionary<string, ScoreSummary> { ["AU04"] = new(0.5, 2, 1, 4, 3.3) },
            },
            Protocol = new ProtocolStamp(Guid.Empty.ToString(), 3, "auto", null, new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc)),
        };

        var read = AnalysisDocument.Read(written.ToJson());

        Assert.Equal(written.Tool, read.Tool);
        Assert.Equal(written.Video, read.Video);
        Assert.Equal(written.Models, read.Models);
        Assert.Equal(written.Protocol, read.Protocol);
        Assert.Equal(written.Summary!.Hpii, read.Summary!.Hpii);
        Assert.Equal(written.Summary.ActionUnits["AU04"], read.Summary.ActionUnits["AU04"]);
        Assert.Equal(written.Config.Apex, read.Config.Apex);
        Assert.Equal(written.ToJson(), read.ToJson());
    }

    [Fact]
    public void A_document_written_before_the_type_existed_still_reads()
    {
        // The shape the portal stored before (an anonymous object with these keys), re-scored under a protocol.
        const string earlier = """
            {
              "tool": { "name": "PainReview", "version": "0.1.0" },
              "createdUtc": "2026-11-30T10:00:00+00:00",
              "video": { "file": "a.wmv", "bytes": 10, "sha256": "x", "container": "asf", "codec": "wmv2", "width": 320, "height": 240,
                         "rotation": 0, "frameRate": 25, "durationSeconds": 4, "stillImage": false },
              "config": {},
              "models": [ { "name": "blazeface", "file": "b.onnx", "sha256": "y", "source": "p@1:f", "sourceSha256": "z" } ],
              "summary": null,
              "notice": "Scores complement self-report and clinical judgement; they do not replace them.",
              "protocol": { "study": "s", "version": 2, "baseline": null, "waitingFor": "no neutral recording yet", "scoredUtc": "2026-11-30T10:01:00Z" }
            }
            """;
        var read = AnalysisDocument.Read(earlier);
        Assert.Equal("0.1.0", read.Tool.Version);
        Assert.Equal("blazeface", Assert.Single(read.Models).Name);
        Assert.Null(read.Summary);
        Assert.Equal("no neutral recording yet", read.Protocol!.WaitingFor);
    }

    [Fact]
    public void Something_else_is_refused_with_a_sentence()
    {
        var error = Assert.Throws<InvalidDataException>(() => AnalysisDocument.Read("""{"summary": 3}"""));
        Assert.Contains("not a PainReview summary document", error.Message);
    }
}
