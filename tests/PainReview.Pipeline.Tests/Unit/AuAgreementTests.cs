using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: agreement statistics and the reference formats of 'painreview compare'.</summary>
public sealed class AuAgreementTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ICC_3_1_and_Pearson_equal_a_hand_computation()
    {
        // ours 1,2,3,4 vs reference 2,2,4,5. Grand mean 23/8 = 2.875. Row means 1.5, 2, 3.5, 4.5:
        // SS_rows = 2 * (1.890625 + 0.765625 + 0.390625 + 2.640625) = 11.375; rater means 2.5 and 3.25:
        // SS_cols = 4 * (0.140625 + 0.140625) = 1.125; SS_total = 12.875; SS_error = 0.375.
        // MS_rows = 11.375 / 3 = 3.791667, MS_error = 0.375 / 3 = 0.125: ICC = 3.666667 / 3.916667 = 0.936170.
        double[] ours = [1, 2, 3, 4], reference = [2, 2, 4, 5];
        Assert.Equal(0.936170, AuAgreement.Icc31(ours, reference)!.Value, 5);
        // Pearson: S_xy = 5.5, S_xx = 5, S_yy = 6.75: r = 5.5 / sqrt(33.75) = 0.946729.
        Assert.Equal(0.946729, AuAgreement.Pearson(ours, reference)!.Value, 5);
        var row = AuAgreement.Row("AU04", "AU04", ours, reference);
        Assert.Equal(0.75, row.Mae!.Value, 10); // |1-2| + 0 + |3-4| + |4-5| = 3, over 4
        Assert.Equal(4, row.N);
    }

    [Fact]
    public void A_flat_reference_is_reported_as_flat_not_as_a_correlation()
    {
        var row = AuAgreement.Row("AU09", "AU09_r", [0.2, 1.5, 0.1], [0, 0, 0]);
        Assert.True(row.Flat);
        Assert.Null(row.Pearson);
        Assert.Null(row.Icc31);
        Assert.Equal(0.6, row.Mae!.Value, 10);
    }

    [Fact]
    public void OpenFace_csv_counts_frames_from_one_trims_headers_and_skips_failed_frames()
    {
        var path = _temp.File("openface.csv");
        File.WriteAllLines(path,
        [
            "frame, face_id, timestamp, confidence, success, AU01_c, AU04_r, AU12_r",
            "1, 0, 0.000, 0.98, 1, 1, 2.5, 0.1",
            "2, 0, 0.033, 0.10, 0, 0, 4.9, 4.9",
            "3, 0, 0.067, 0.98, 1, 0, 1.0, 0.3",
        ]);
        var reference = AuAgreement.ReadReference(path);
        Assert.Equal("OpenFace", reference.Kind);
        Assert.Equal(["AU04_r", "AU12_r"], reference.Columns);
        Assert.Equal([0, 2], reference.Frames.Keys.Order());
        Assert.Equal(2.5, reference.Frames[0]["AU04_r"]);
        var map = AuAgreement.Map(reference);
        Assert.Contains(("AU04", "AU04_r"), map);
        Assert.Contains(("AU12", "AU12_r"), map);

        var ours = new Dictionary<int, IReadOnlyDictionary<string, double>>
        {
            [0] = new Dictionary<string, double> { ["AU04"] = 2.0, ["AU12"] = 0 },
            [1] = new Dictionary<string, double> { ["AU04"] = 0.0, ["AU12"] = 0 },
            [2] = new Dictionary<string, double> { ["AU04"] = 1.5, ["AU12"] = 0.5 },
        };
        var rows = AuAgreement.Compare(ours, reference, map);
        Assert.All(rows, r => Assert.Equal(2, r.N)); // frame 1 (OpenFace 2) failed tracking: left out
    }

    [Fact]
    public void Bad_references_and_maps_get_a_sentence()
    {
        var path = _temp.File("hand.csv");
        File.WriteAllLines(path, ["frame,AU04", "0,1", "0,2"]);
        Assert.Contains("appears twice", Assert.Throws<InvalidDataException>(() => AuAgreement.ReadReference(path)).Message);
        File.WriteAllLines(path, ["frame,AU04", "0,NaN"]);
        Assert.Contains("not a number", Assert.Throws<InvalidDataException>(() => AuAgreement.ReadReference(path)).Message);
        File.WriteAllLines(path, ["frame,AU04", "x,1"]);
        Assert.Contains("whole number", Assert.Throws<InvalidDataException>(() => AuAgreement.ReadReference(path)).Message);
        File.WriteAllLines(path, ["time,AU04", "0,1"]);
        Assert.Contains("no 'frame' column", Assert.Throws<InvalidDataException>(() => AuAgreement.ReadReference(path)).Message);

        File.WriteAllLines(path, ["frame,AU04", "0,1"]);
        var reference = AuAgreement.ReadReference(path);
        Assert.Equal("hand-coded", reference.Kind);
        Assert.Contains("does not have", Assert.Throws<InvalidDataException>(() => AuAgreement.Map(reference, "{\"AU04\":\"AU4\"}")).Message);
        Assert.Contains("does not estimate", Assert.Throws<InvalidDataException>(() => AuAgreement.Map(reference, "{\"AU99\":\"AU04\"}")).Message);
        Assert.Contains("not a JSON object", Assert.Throws<InvalidDataException>(() => AuAgreement.Map(reference, "[1,2]")).Message);
    }
}
