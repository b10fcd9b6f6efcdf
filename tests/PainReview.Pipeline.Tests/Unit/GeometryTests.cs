using System.Numerics;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: head pose, pose removal and crop regions on synthetic faces.</summary>
public sealed class GeometryTests
{
    private static CanonicalFace Canonical => CanonicalFace.Load(TestEnvironment.Models.File(Models.ModelCatalog.CanonicalFace));

    /// <summary>The canonical face posed with known angles, scale and position, as landmarks in image pixels.</summary>
    internal static float[] Posed(CanonicalFace face, float yaw, float pitch, float roll, float scale = 20, float tx = 320, float ty = 240)
    {
        var r = HeadPose.FromAngles(yaw, pitch, roll);
        var result = new float[CanonicalFace.VertexCount * 3];
        for (var i = 0; i < CanonicalFace.VertexCount; i++)
        {
            var p = HeadPose.Apply(r, face.Vertex(i)) * scale + new Vector3(tx, ty, 0);
            result[i * 3] = p.X; result[i * 3 + 1] = p.Y; result[i * 3 + 2] = p.Z;
        }
        return result;
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(25, 0, 0)]
    [InlineData(-30, 10, 5)]
    [InlineData(10, -20, -15)]
    [InlineData(0, 0, 40)]
    public void Pose_is_recovered_from_a_posed_canonical_face(float yaw, float pitch, float roll)
    {
        var face = Canonical;
        var pose = HeadPose.Estimate(Posed(face, yaw, pitch, roll, scale: 17.5f), face);
        Assert.Equal(yaw, pose.Yaw, 0.05f);
        Assert.Equal(pitch, pose.Pitch, 0.05f);
        Assert.Equal(roll, pose.Roll, 0.05f);
        Assert.Equal(17.5f, pose.Scale, 0.01f);
    }

    [Fact]
    public void Angle_signs_follow_the_documented_conventions()
    {
        var face = Canonical;
        const int noseTip = 1;
        var frontal = Posed(face, 0, 0, 0);
        var turned = Posed(face, 20, 0, 0);
        var chinUp = Posed(face, 0, 20, 0);
        // Yaw > 0: the nose moves towards the image's right.
        Assert.True(turned[noseTip * 3] > frontal[noseTip * 3] + 1);
        // Pitch > 0 (chin up): the nose tip moves up the image (smaller y) relative to the eyes.
        float NoseBelowEyes(float[] l) => l[noseTip * 3 + 1] - (l[33 * 3 + 1] + l[263 * 3 + 1]) / 2;
        Assert.True(NoseBelowEyes(chinUp) < NoseBelowEyes(frontal) - 1);
        // Roll > 0: clockwise in the image, so the subject's left eye (263, image right) goes down.
        var tilted = Posed(face, 0, 0, 15);
        Assert.True(tilted[263 * 3 + 1] > tilted[33 * 3 + 1] + 1);
    }

    [Fact]
    public void Normalisation_removes_pose_and_scale()
    {
        var face = Canonical;
        var landmarks = Posed(face, 22, -12, 9, scale: 31, tx: 100, ty: 50);
        var pose = HeadPose.Estimate(landmarks, face);
        var normalized = new float[landmarks.Length];
        pose.Normalize(landmarks, normalized);
        for (var i = 0; i < face.Vertices.Length; i++)
            Assert.Equal(face.Vertices[i], normalized[i], 0.01f);
    }

    [Fact]
    public void Mirrored_face_gives_opposite_yaw_and_roll()
    {
        var face = Canonical;
        var landmarks = Posed(face, 18, 7, 11);
        var mirrored = (float[])landmarks.Clone();
        for (var i = 0; i < CanonicalFace.VertexCount; i++) mirrored[i * 3] = 640 - mirrored[i * 3];
        // The mirrored subject's left and right landmarks swap places.
        var swapped = MeshSymmetry.Relabel(mirrored, face);
        var a = HeadPose.Estimate(landmarks, face);
        var b = HeadPose.Estimate(swapped, face);
        Assert.Equal(-a.Yaw, b.Yaw, 0.5f);
        Assert.Equal(a.Pitch, b.Pitch, 0.5f);
        Assert.Equal(-a.Roll, b.Roll, 0.5f);
    }

    [Fact]
    public void Region_from_landmarks_levels_the_eyes_and_covers_the_face()
    {
        var face = Canonical;
        var landmarks = Posed(face, 0, 0, 25, scale: 10, tx: 200, ty: 150);
        var region = SquareRegion.FromLandmarks(landmarks);
        Assert.Equal(25 * MathF.PI / 180, region.Rotation, 0.02f);
        Assert.InRange(region.CenterX, 190, 210);
        for (var i = 0; i < CanonicalFace.VertexCount; i++)
        {
            // Every landmark lies inside the (rotated) square.
            var dx = landmarks[i * 3] - region.CenterX;
            var dy = landmarks[i * 3 + 1] - region.CenterY;
            var (sin, cos) = MathF.SinCos(region.Rotation);
            Assert.InRange(dx * cos + dy * sin, -region.Size / 2, region.Size / 2);
            Assert.InRange(-dx * sin + dy * cos, -region.Size / 2, region.Size / 2);
        }
    }

    [Fact]
    public void Crop_points_map_to_the_image_through_rotation()
    {
        var region = new SquareRegion(100, 50, 40, MathF.PI / 2);
        var centre = region.ToImage(96, 96, 192);
        Assert.Equal(100, centre.X, 0.001f);
        Assert.Equal(50, centre.Y, 0.001f);
        // Crop x axis points down the image when rotated by 90 degrees.
        var right = region.ToImage(192, 96, 192);
        Assert.Equal(100, right.X, 0.001f);
        Assert.Equal(70, right.Y, 0.001f);
    }
}
