using System.Drawing;
using System.Numerics;
using PainReview.Pipeline.Faces;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: BlazeFace anchors, box decoding and weighted suppression.</summary>
public sealed class DetectorTests
{
    [Fact]
    public void Front_and_back_variants_have_896_anchors_in_two_grids()
    {
        foreach (var variant in new[] { BlazeFaceVariant.Front, BlazeFaceVariant.Back })
        {
            var anchors = BlazeFaceDetector.Anchors(variant);
            Assert.Equal(896, anchors.Length);
            // 16x16 cells with two anchors, then 8x8 cells with six.
            Assert.Equal(new Vector2(0.5f / 16, 0.5f / 16), anchors[0]);
            Assert.Equal(anchors[0], anchors[1]);
            Assert.Equal(new Vector2(1.5f / 16, 0.5f / 16), anchors[2]);
            Assert.Equal(new Vector2(0.5f / 8, 0.5f / 8), anchors[512]);
            Assert.Equal(new Vector2(7.5f / 8, 7.5f / 8), anchors[895]);
        }
    }

    [Fact]
    public void Decoding_maps_a_box_through_the_letterbox()
    {
        var anchors = BlazeFaceDetector.Anchors(BlazeFaceVariant.Front);
        var scores = Enumerable.Repeat(-10f, 896).ToArray();
        var boxes = new float[896 * 16];
        // Anchor 0 is centred at (4, 4) in the 128-pixel input; shift it by (60, 60), size 32.
        scores[0] = 5;
        boxes[0] = 60; boxes[1] = 60; boxes[2] = 32; boxes[3] = 32;
        var region = SquareRegion.Letterbox(256, 128); // 256x128 image letterboxed: 2 image pixels per input pixel
        var detections = BlazeFaceDetector.Decode(scores, boxes, anchors, 128, region, 0.5f, 0.3f);
        var d = Assert.Single(detections);
        Assert.Equal(128, d.Center.X, 0.01f);  // (4 + 60) * 2
        Assert.Equal(64, d.Center.Y, 0.01f);   // (4 + 60) * 2 - 64 (vertical letterbox margin)
        Assert.Equal(64, d.Box.Width, 0.01f);
        Assert.True(d.Score > 0.99f);
    }

    [Fact]
    public void Weighted_suppression_averages_overlaps_and_keeps_separate_faces()
    {
        FaceDetection Box(float x, float score) => new(new RectangleF(x, 0, 10, 10), score, new Vector2[6]);
        var merged = BlazeFaceDetector.WeightedNonMaxSuppression([Box(0, 0.9f), Box(1, 0.6f), Box(50, 0.7f)], 0.3f);
        Assert.Equal(2, merged.Count);
        Assert.Equal(0.9f, merged[0].Score);
        Assert.Equal(0.6f / 1.5f, merged[0].Box.X, 0.001f); // score-weighted x of 0 and 1
        Assert.Equal(50, merged[1].Box.X);
    }
}
