using System.Numerics;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// Head pose from a weighted similarity fit (Umeyama) of the canonical face onto the measured
/// landmarks: image = Scale * Rotation * canonical + Translation.
/// </summary>
/// <remarks>
/// Angles in degrees, in image axes (x right, y down, z away from the camera):
/// yaw &gt; 0 when the face turns towards the image's right, pitch &gt; 0 when the chin lifts,
/// roll &gt; 0 when the head tilts clockwise as seen in the image.
/// </remarks>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll, float Scale, Matrix4x4 Rotation, Vector3 Translation)
{
    /// <summary>Fits the pose using the canonical face's weighted Procrustes landmarks.</summary>
    public static HeadPose Estimate(ReadOnlySpan<float> landmarks, CanonicalFace canonical)
    {
        var indices = canonical.BasisIndices;
        var weights = canonical.BasisWeights;
        double total = 0;
        Vector3 meanC = default, meanP = default;
        for (var k = 0; k < indices.Length; k++)
        {
            var w = weights[k];
            total += w;
            meanC += canonical.Vertex(indices[k]) * w;
            meanP += Point(landmarks, indices[k]) * w;
        }
        meanC /= (float)total;
        meanP /= (float)total;

        // Weighted cross-covariance of measured (rows) and canonical (columns) points.
        var cov = new double[3, 3];
        double varianceC = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var w = weights[k] / total;
            var c = canonical.Vertex(indices[k]) - meanC;
            var p = Point(landmarks, indices[k]) - meanP;
            varianceC += w * c.LengthSquared();
            for (var r = 0; r < 3; r++)
                for (var s = 0; s < 3; s++)
                    cov[r, s] += w * p.Get(r) * c.Get(s);
        }

        var matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(cov);
        var svd = matrix.Svd(true);
        var u = svd.U;
        var vt = svd.VT;
        var d = Math.Sign(u.Determinant() * vt.Determinant());
        if (d == 0) d = 1;
        var sign = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DiagonalOfDiagonalArray([1, 1, d]);
        var rotation = u * sign * vt;
        var scale = (svd.S[0] + svd.S[1] + d * svd.S[2]) / varianceC;

        var r4 = new Matrix4x4(
            (float)rotation[0, 0], (float)rotation[0, 1], (float)rotation[0, 2], 0,
            (float)rotation[1, 0], (float)rotation[1, 1], (float)rotation[1, 2], 0,
            (float)rotation[2, 0], (float)rotation[2, 1], (float)rotation[2, 2], 0,
            0, 0, 0, 1);
        var translation = meanP - (float)scale * Apply(r4, meanC);
        var (yaw, pitch, roll) = Angles(r4);
        return new HeadPose(yaw, pitch, roll, (float)scale, r4, translation);
    }

    /// <summary>
    /// Euler angles of R = Rz(roll) * Ry(-yaw) * Rx(-pitch) with signs turned to the documented
    /// conventions (yaw towards image right, chin up, clockwise roll are positive).
    /// </summary>
    internal static (float Yaw, float Pitch, float Roll) Angles(Matrix4x4 r)
    {
        var ry = MathF.Asin(Math.Clamp(-r.M31, -1f, 1f));
        var rx = MathF.Atan2(r.M32, r.M33);
        var rz = MathF.Atan2(r.M21, r.M11);
        const float deg = 180f / MathF.PI;
        return (-ry * deg, -rx * deg, rz * deg);
    }

    /// <summary>Rotation matrix (row-major M[row,col] as M{row}{col}) for the given documented angles.</summary>
    internal static Matrix4x4 FromAngles(float yaw, float pitch, float roll)
    {
        const float rad = MathF.PI / 180f;
        var (sy, cy) = MathF.SinCos(-yaw * rad);
        var (sx, cx) = MathF.SinCos(-pitch * rad);
        var (sz, cz) = MathF.SinCos(roll * rad);
        var rzm = new Matrix4x4(cz, -sz, 0, 0, sz, cz, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
        var rym = new Matrix4x4(cy, 0, sy, 0, 0, 1, 0, 0, -sy, 0, cy, 0, 0, 0, 0, 1);
        var rxm = new Matrix4x4(1, 0, 0, 0, 0, cx, -sx, 0, 0, sx, cx, 0, 0, 0, 0, 1);
        return Multiply(Multiply(rzm, rym), rxm);
    }

    /// <summary>Row-major product A*B (System.Numerics multiplies in the transposed convention).</summary>
    internal static Matrix4x4 Multiply(Matrix4x4 a, Matrix4x4 b) => Matrix4x4.Multiply(a, b);

    /// <summary>R * v with M{row}{col}.</summary>
    internal static Vector3 Apply(Matrix4x4 r, Vector3 v) => new(
        r.M11 * v.X + r.M12 * v.Y + r.M13 * v.Z,
        r.M21 * v.X + r.M22 * v.Y + r.M23 * v.Z,
        r.M31 * v.X + r.M32 * v.Y + r.M33 * v.Z);

    /// <summary>R^T * v.</summary>
    internal static Vector3 ApplyTransposed(Matrix4x4 r, Vector3 v) => new(
        r.M11 * v.X + r.M21 * v.Y + r.M31 * v.Z,
        r.M12 * v.X + r.M22 * v.Y + r.M32 * v.Z,
        r.M13 * v.X + r.M23 * v.Y + r.M33 * v.Z);

    /// <summary>
    /// Removes pose and scale: writes each landmark in canonical-face units (centimetres, frontal).
    /// </summary>
    public void Normalize(ReadOnlySpan<float> landmarks, Span<float> normalized)
    {
        var inverse = 1f / Scale;
        for (var i = 0; i < landmarks.Length / 3; i++)
        {
            var q = ApplyTransposed(Rotation, Point(landmarks, i) - Translation) * inverse;
            normalized[i * 3] = q.X;
            normalized[i * 3 + 1] = q.Y;
            normalized[i * 3 + 2] = q.Z;
        }
    }

    private static Vector3 Point(ReadOnlySpan<float> landmarks, int i) => new(landmarks[i * 3], landmarks[i * 3 + 1], landmarks[i * 3 + 2]);
}

internal static class Vector3Extensions
{
    public static float Get(this Vector3 v, int axis) => axis switch { 0 => v.X, 1 => v.Y, _ => v.Z };
}
