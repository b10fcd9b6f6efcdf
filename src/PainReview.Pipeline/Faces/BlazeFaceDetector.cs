using System.Drawing;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace PainReview.Pipeline.Faces;

/// <summary>A face found by the detector, in image pixels.</summary>
/// <param name="Keypoints">Right eye, left eye, nose tip, mouth centre, right ear, left ear (the subject's sides).</param>
public sealed record FaceDetection(RectangleF Box, float Score, Vector2[] Keypoints)
{
    public Vector2 Center => new(Box.X + Box.Width / 2, Box.Y + Box.Height / 2);
    public float Area => Box.Width * Box.Height;
}

/// <summary>The two BlazeFace graphs: near faces (front, 128 px) and smaller, farther faces (back, 256 px).</summary>
public sealed record BlazeFaceVariant(int InputSize, int[] Strides)
{
    public static BlazeFaceVariant Front { get; } = new(128, [8, 16, 16, 16]);
    public static BlazeFaceVariant Back { get; } = new(256, [16, 32, 32, 32]);
}

/// <summary>
/// BlazeFace face detection with ONNX Runtime: letterboxed input in [-1, 1], 896 SSD anchors,
/// box decoding and MediaPipe's weighted non-maximum suppression.
/// </summary>
public sealed class BlazeFaceDetector : IDisposable
{
    public const int KeypointCount = 6;
    private const int Values = 4 + KeypointCount * 2;

    private readonly InferenceSession _session;
    private readonly BlazeFaceVariant _variant;
    private readonly float[] _input;
    private readonly OrtValue _inputValue;
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly Vector2[] _anchors;
    private readonly RunOptions _runOptions = new();

    public BlazeFaceDetector(string modelPath, BlazeFaceVariant variant, InferenceOptions? options = null)
    {
        _variant = variant;
        _session = (options ?? new InferenceOptions()).CreateSession(modelPath);
        _inputName = _session.InputNames[0];
        _input = new float[variant.InputSize * variant.InputSize * 3];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, variant.InputSize, variant.InputSize, 3]);
        _anchors = Anchors(variant);
        // keijiro's graphs: scores (512, 384 anchors) then regressors (512, 384); MediaPipe's own: regressors, classificators.
        _outputNames = _session.OutputNames.Contains("regressors")
            ? ["classificators", "regressors"]
            : ["Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"];
    }

    public float MinScore { get; init; } = 0.5f;
    public float NmsIouThreshold { get; init; } = 0.3f;

    /// <summary>SSD anchor centres (MediaPipe SsdAnchorsCalculator, fixed size, offset 0.5) in [0, 1].</summary>
    internal static Vector2[] Anchors(BlazeFaceVariant variant)
    {
        var anchors = new List<Vector2>();
        var layer = 0;
        while (layer < variant.Strides.Length)
        {
            var stride = variant.Strides[layer];
            var perCell = 0;
            // Layers with the same stride share one grid, two anchors a layer (aspect 1 and the interpolated scale).
            while (layer < variant.Strides.Length && variant.Strides[layer] == stride)
            {
                perCell += 2;
                layer++;
            }
            var grid = (int)Math.Ceiling(variant.InputSize / (double)stride);
            for (var y = 0; y < grid; y++)
                for (var x = 0; x < grid; x++)
                    for (var a = 0; a < perCell; a++)
                        anchors.Add(new Vector2((x + 0.5f) / grid, (y + 0.5f) / grid));
        }
        return [.. anchors];
    }

    public IReadOnlyList<FaceDetection> Detect(ReadOnlySpan<byte> rgb, int width, int height) =>
        Detect(Decoding.FrameImage.Rgb(rgb, width, height));

    public IReadOnlyList<FaceDetection> Detect(Decoding.FrameImage image)
    {
        var region = SquareRegion.Letterbox(image.Width, image.Height);
        ImageSampler.Sample(image, region, _input, _variant.InputSize, 2f / 255f, -1f);

        using var outputs = _session.Run(_runOptions, [_inputName], [_inputValue], _outputNames);
        float[] scores, boxes;
        if (_outputNames.Length == 2)
        {
            scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            boxes = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        }
        else
        {
            scores = [.. outputs[0].GetTensorDataAsSpan<float>(), .. outputs[1].GetTensorDataAsSpan<float>()];
            boxes = [.. outputs[2].GetTensorDataAsSpan<float>(), .. outputs[3].GetTensorDataAsSpan<float>()];
        }
        return Decode(scores, boxes, _anchors, _variant.InputSize, region, MinScore, NmsIouThreshold);
    }

    /// <summary>Turns raw scores and regressors into detections in image pixels.</summary>
    internal static IReadOnlyList<FaceDetection> Decode(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxes,
        Vector2[] anchors, int inputSize, SquareRegion region, float minScore, float iouThreshold)
    {
        var candidates = new List<FaceDetection>();
        for (var i = 0; i < anchors.Length; i++)
        {
            var score = Sigmoid(Math.Clamp(scores[i], -100f, 100f));
            if (score < minScore) continue;
            var raw = boxes.Slice(i * Values, Values);
            var anchor = anchors[i];
            Vector2 ToImage(float rx, float ry) =>
                region.ToImage((rx / inputSize + anchor.X) * inputSize, (ry / inputSize + anchor.Y) * inputSize, inputSize);
            var center = ToImage(raw[0], raw[1]);
            var scale = region.Size / inputSize;
            float w = raw[2] * scale, h = raw[3] * scale;
            var keypoints = new Vector2[KeypointCount];
            for (var k = 0; k < KeypointCount; k++) keypoints[k] = ToImage(raw[4 + k * 2], raw[5 + k * 2]);
            candidates.Add(new FaceDetection(new RectangleF(center.X - w / 2, center.Y - h / 2, w, h), score, keypoints));
        }
        return WeightedNonMaxSuppression(candidates, iouThreshold);
    }

    /// <summary>MediaPipe's WEIGHTED suppression: overlapping boxes are averaged, weighted by score.</summary>
    internal static IReadOnlyList<FaceDetection> WeightedNonMaxSuppression(List<FaceDetection> candidates, float iouThreshold)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var result = new List<FaceDetection>();
        while (remaining.Count > 0)
        {
            var top = remaining[0];
            var cluster = remaining.Where(c => IoU(top.Box, c.Box) > iouThreshold).ToList();
            remaining.RemoveAll(cluster.Contains);
            if (cluster.Count == 0)
            {
                cluster.Add(top);
                remaining.Remove(top);
            }
            var total = cluster.Sum(c => c.Score);
            float x = 0, y = 0, w = 0, h = 0;
            var keypoints = new Vector2[KeypointCount];
            foreach (var c in cluster)
            {
                var weight = c.Score / total;
                x += c.Box.X * weight; y += c.Box.Y * weight; w += c.Box.Width * weight; h += c.Box.Height * weight;
                for (var k = 0; k < KeypointCount; k++) keypoints[k] += c.Keypoints[k] * weight;
            }
            result.Add(new FaceDetection(new RectangleF(x, y, w, h), top.Score, keypoints));
        }
        return result;
    }

    internal static float IoU(RectangleF a, RectangleF b)
    {
        var intersection = RectangleF.Intersect(a, b);
        if (intersection.IsEmpty) return 0;
        var inter = intersection.Width * intersection.Height;
        return inter / (a.Width * a.Height + b.Width * b.Height - inter);
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    public void Dispose()
    {
        _inputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
