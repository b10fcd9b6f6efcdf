namespace PainReview.Pipeline.Faces;

/// <summary>
/// Left-right landmark pairs of the face mesh, found from the (symmetric) canonical face: the
/// partner of a vertex is the vertex nearest to its mirror image.
/// </summary>
public static class MeshSymmetry
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CanonicalFace, int[]> Cache = new();

    public static int[] Partners(CanonicalFace face) => Cache.GetValue(face, f =>
    {
        var partners = new int[CanonicalFace.VertexCount];
        for (var i = 0; i < partners.Length; i++)
        {
            var v = f.Vertex(i);
            var mirror = v with { X = -v.X };
            var best = 0;
            var bestDistance = float.MaxValue;
            for (var j = 0; j < partners.Length; j++)
            {
                var d = System.Numerics.Vector3.DistanceSquared(mirror, f.Vertex(j));
                if (d < bestDistance) { bestDistance = d; best = j; }
            }
            partners[i] = best;
        }
        return partners;
    });

    /// <summary>Relabels landmarks of a mirrored image so each index again names the same facial point.</summary>
    public static float[] Relabel(ReadOnlySpan<float> landmarks, CanonicalFace face)
    {
        var partners = Partners(face);
        var result = new float[landmarks.Length];
        for (var i = 0; i < partners.Length; i++)
            landmarks.Slice(partners[i] * 3, 3).CopyTo(result.AsSpan(i * 3, 3));
        return result;
    }
}
