using Microsoft.ML.OnnxRuntime;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// MediaPipe Face Mesh (468 points) on an aligned 192x192 crop, with ONNX Runtime. Buffers and
/// the session are created once and reused for every frame.
/// </summary>
public sealed class FaceMeshLandmarker : IDisposable
{
    public const int InputSize = 192;
    public const int LandmarkCount = 468;

    private readonly InferenceSession _session;
    private readonly float[] _input = new float[InputSize * InputSize * 3];
    private readonly float[] _landmarks = new float[LandmarkCount * 3];
    private readonly float[] _presence = new float[1];
    private readonly OrtValue _inputValue;
    private readonly OrtValue _landmarksValue;
    private readonly OrtValue _presenceValue;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames = ["conv2d_21", "conv2d_31"];
    private readonly RunOptions _runOptions = new();

    public FaceMeshLandmarker(string modelPath, InferenceOptions? options = null)
    {
        _session = (options ?? new InferenceOptions()).CreateSession(modelPath);
        _inputNames = [_session.InputNames[0]];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, InputSize, InputSize, 3]);
        _landmarksValue = OrtValue.CreateTensorValueFromMemory(_landmarks, [1, 1, 1, LandmarkCount * 3]);
        _presenceValue = OrtValue.CreateTensorValueFromMemory(_presence, [1, 1, 1, 1]);
    }

    /// <summary>
    /// Runs the mesh on <paramref name="region"/>. Writes 468 x (x, y, z) in image pixels into
    /// <paramref name="landmarks"/> (z on the same scale as x, smaller is nearer the camera) and
    /// returns the face-presence probability.
    /// </summary>
    public float Run(ReadOnlySpan<byte> rgb, int width, int height, SquareRegion region, Span<float> landmarks) =>
        Run(Decoding.FrameImage.Rgb(rgb, width, height), region, landmarks);

    public float Run(Decoding.FrameImage image, SquareRegion region, Span<float> landmarks)
    {
        ImageSampler.Sample(image, region, _input, InputSize, 1f / 255f, 0f);
        _session.Run(_runOptions, _inputNames, [_inputValue], _outputNames, [_landmarksValue, _presenceValue]);
        ToImage(_landmarks, region, landmarks);
        return 1f / (1f + MathF.Exp(-_presence[0]));
    }

    /// <summary>Maps crop-pixel landmarks back into the image.</summary>
    internal static void ToImage(ReadOnlySpan<float> crop, SquareRegion region, Span<float> image)
    {
        var zScale = region.Size / InputSize;
        for (var i = 0; i < LandmarkCount; i++)
        {
            var p = region.ToImage(crop[i * 3], crop[i * 3 + 1], InputSize);
            image[i * 3] = p.X;
            image[i * 3 + 1] = p.Y;
            image[i * 3 + 2] = crop[i * 3 + 2] * zScale;
        }
    }

    public void Dispose()
    {
        _inputValue.Dispose();
        _landmarksValue.Dispose();
        _presenceValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
