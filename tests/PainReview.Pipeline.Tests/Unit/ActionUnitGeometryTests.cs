using PainReview.Pipeline.ActionUnits;
using PainReview.Pipeline.Faces;
using PainReview.Pipeline.Scoring;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: AUs from synthetic geometry: the canonical face with one thing moved at a time.</summary>
public sealed class ActionUnitGeometryTests
{
    private static readonly CanonicalFace Face = CanonicalFace.Load(TestEnvironment.Models.File(Models.ModelCatalog.CanonicalFace));

    /// <summary>AUs of the canonical face with points moved by (dx, dy) centimetres (y down), scored against it.</summary>
    private static float[] Aus(params (int[] Points, float Dx, float Dy)[] moves)
    {
        var vertices = (float[])Face.Vertices.Clone();
        foreach (var (points, dx, dy) in moves)
            foreach (var p in points)
            {
                vertices[p * 3] += dx;
                vertices[p * 3 + 1] += dy;
            }
        var features = new float[FaceFeatures.Count];
        FaceFeatures.Compute(vertices, features);
        return ActionUnitEstimator.Intensities(features, NeutralBaseline.Population(Face));
    }

    private static float Au(float[] aus, ActionUnit unit) => aus[(int)unit];

    private static readonly int[] LowerLids = [145, 374, 153, 380];
    private static readonly int[] InnerBrows = [55, 285, 107, 336];
    private static readonly int[] OuterBrows = [46, 276, 70, 300, 105, 334];
    private static readonly int[] RightInnerBrow = [55, 107];
    private static readonly int[] LeftInnerBrow = [285, 336];

    [Fact]
    public void Neutral_face_reads_zero_everywhere()
    {
        Assert.All(Aus(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Raising_the_lower_lids_raises_AU7_monotonically()
    {
        var previous = -1f;
        foreach (var lift in new[] { 0f, 0.05f, 0.1f, 0.15f, 0.2f })
        {
            var au7 = Au(Aus((LowerLids, 0, -lift)), ActionUnit.AU07);
            Assert.True(au7 > previous || (lift == 0 && au7 == 0), $"AU7 {au7} at lift {lift}");
            previous = au7;
        }
        Assert.True(previous >= 2, $"a 2 mm lower-lid raise reads AU7 {previous}");
    }

    [Fact]
    public void Raising_the_brows_leaves_AU4_at_zero_and_raises_AU1_and_AU2()
    {
        var aus = Aus((InnerBrows, 0, -0.3f), (OuterBrows, 0, -0.3f));
        Assert.Equal(0f, Au(aus, ActionUnit.AU04));
        Assert.True(Au(aus, ActionUnit.AU01) >= 2);
        Assert.True(Au(aus, ActionUnit.AU02) >= 1);
    }

    [Fact]
    public void Lowering_and_gathering_the_brows_raises_AU4_not_AU1()
    {
        var lowered = Aus((InnerBrows, 0, 0.3f));
        var gathered = Aus((InnerBrows, 0, 0.3f), (RightInnerBrow, 0.1f, 0), (LeftInnerBrow, -0.1f, 0));
        Assert.True(Au(lowered, ActionUnit.AU04) >= 1.5f);
        Assert.True(Au(gathered, ActionUnit.AU04) > Au(lowered, ActionUnit.AU04));
        Assert.Equal(0f, Au(gathered, ActionUnit.AU01));
    }

    [Fact]
    public void Raising_the_nose_wings_raises_AU9()
    {
        var aus = Aus(([64, 294, 48, 278], 0, -0.3f));
        Assert.True(Au(aus, ActionUnit.AU09) >= 2);
        Assert.Equal(0f, Au(aus, ActionUnit.AU04));
    }

    [Fact]
    public void Lip_corners_pulled_up_and_out_read_AU12_and_leave_HPII_at_zero()
    {
        var aus = Aus(([61], -0.5f, -0.3f), ([291], 0.5f, -0.3f));
        Assert.True(Au(aus, ActionUnit.AU12) >= 2);
        Assert.Equal(0f, Au(aus, ActionUnit.AU15));
        Assert.Equal(0, PainScores.Hpii(aus, new Analysis.HpiiConfig()));
    }

    [Fact]
    public void Lip_corners_pulled_down_read_AU15()
    {
        var aus = Aus(([61, 291], 0, 0.2f));
        Assert.True(Au(aus, ActionUnit.AU15) >= 2);
        Assert.Equal(0f, Au(aus, ActionUnit.AU12));
    }

    [Fact]
    public void Parting_the_lips_and_dropping_the_jaw_read_AU25_and_AU26()
    {
        var lips = Aus(([14], 0, 0.6f));
        Assert.True(Au(lips, ActionUnit.AU25) >= 1.5f);
        var jaw = Aus(([152], 0, 0.9f));
        Assert.True(Au(jaw, ActionUnit.AU26) >= 2.5f);
    }

    [Fact]
    public void Closing_the_eyes_reads_AU43_five_and_counts_once_in_PSPI()
    {
        // Upper lids down onto the lower lids.
        var opening = Face.Vertices[145 * 3 + 1] - Face.Vertices[159 * 3 + 1];
        var aus = Aus(([159, 386], 0, opening));
        Assert.Equal(5f, Au(aus, ActionUnit.AU43));
        var pspi = PainScores.Pspi(aus);
        var expected = Au(aus, ActionUnit.AU04) + Math.Max(Au(aus, ActionUnit.AU06), Au(aus, ActionUnit.AU07))
            + Math.Max(Au(aus, ActionUnit.AU09), Au(aus, ActionUnit.AU10)) + 1;
        Assert.Equal(expected, pspi, 5);
    }

    [Fact]
    public void Intensities_stay_within_zero_and_five()
    {
        var extreme = Aus((InnerBrows, 0, 3f), (LowerLids, 0, -2f), ([14], 0, 5f));
        Assert.All(extreme, v => Assert.InRange(v, 0f, 5f));
        Assert.Equal(5f, Au(extreme, ActionUnit.AU04));
    }

    [Fact]
    public void Mirrored_geometry_gives_the_same_intensities()
    {
        var vertices = (float[])Face.Vertices.Clone();
        foreach (var p in InnerBrows.Take(2)) vertices[p * 3 + 1] += 0.3f; // right brow only
        foreach (var p in new[] { 145, 153 }) vertices[p * 3 + 1] -= 0.15f; // right lower lid only
        var mirrored = (float[])vertices.Clone();
        for (var i = 0; i < CanonicalFace.VertexCount; i++) mirrored[i * 3] = -mirrored[i * 3];
        mirrored = MeshSymmetry.Relabel(mirrored, Face);

        float[] a = new float[FaceFeatures.Count], b = new float[FaceFeatures.Count];
        FaceFeatures.Compute(vertices, a);
        FaceFeatures.Compute(mirrored, b);
        var baseline = NeutralBaseline.Population(Face);
        var original = ActionUnitEstimator.Intensities(a, baseline);
        var flipped = ActionUnitEstimator.Intensities(b, baseline);
        for (var i = 0; i < original.Length; i++) Assert.Equal(original[i], flipped[i], 4);
        Assert.True(Au(original, ActionUnit.AU04) > 0.5f);
    }

    [Fact]
    public void Mesh_symmetry_pairs_the_eyes()
    {
        var partners = MeshSymmetry.Partners(Face);
        Assert.Equal(263, partners[33]);
        Assert.Equal(362, partners[133]);
        Assert.Equal(1, partners[1]); // the nose tip is its own mirror image
        Assert.All(Enumerable.Range(0, CanonicalFace.VertexCount), i => Assert.Equal(i, partners[partners[i]]));
    }
}
