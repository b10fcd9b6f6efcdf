using Microsoft.ML.OnnxRuntime;
using PainReview.Pipeline.Models;

namespace PainReview.Pipeline.Tests.Integration;

/// <summary>
/// Integration (real models): MediaPipe's BlazeFace TFLite converted by our converter gives the same
/// outputs as the independently converted BlazeFace ONNX from the npm package.
/// </summary>
public sealed class ConverterEquivalenceTests
{
    /// <summary>Stated tolerance: float32 rounding of the same arithmetic (measured difference: 0).</summary>
    private const float Tolerance = 1e-4f;

    [Fact]
    public void Our_conversion_matches_the_reference_onnx_on_random_and_real_inputs()
    {
        var models = TestEnvironment.Models;
        using var ours = new InferenceSession(models.File(ModelCatalog.DetectorShortRangeConverted));
        using var reference = new InferenceSession(models.File(ModelCatalog.DetectorFront));
        Assert.Equal(["regressors", "classificators"], ours.OutputNames);

        var random = new Random(20261126);
        var inputs = Enumerable.Range(0, 4).Select(_ =>
            Enumerable.Range(0, 128 * 128 * 3).Select(_ => random.NextSingle() * 2 - 1).ToArray()).ToList();
        inputs.Add(FaceInput());

        foreach (var input in inputs)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 128, 128, 3]);
            using var a = ours.Run(new RunOptions(), [ours.InputNames[0]], [value], ours.OutputNames);
            using var b = reference.Run(new RunOptions(), [reference.InputNames[0]], [value], reference.OutputNames);
            float[] regressors = a[0].GetTensorDataAsSpan<float>().ToArray(), scores = a[1].GetTensorDataAsSpan<float>().ToArray();
            // The reference splits each output by anchor grid: scores 512 + 384, regressors 512 + 384.
            float[] refScores = [.. b[0].GetTensorDataAsSpan<float>(), .. b[1].GetTensorDataAsSpan<float>()];
            float[] refRegressors = [.. b[2].GetTensorDataAsSpan<float>(), .. b[3].GetTensorDataAsSpan<float>()];
            Assert.Equal(896, scores.Length);
            Assert.Equal(896 * 16, regressors.Length);
            Assert.True(MaxDifference(scores, refScores) <= Tolerance, $"scores differ by {MaxDifference(scores, refScores)}");
            Assert.True(MaxDifference(regressors, refRegressors) <= Tolerance, $"regressors differ by {MaxDifference(regressors, refRegressors)}");
            // The comparison means something: outputs are far from constant.
            Assert.True(regressors.Max() - regressors.Min() > 10);
        }
    }

    [Fact]
    public void Converted_face_mesh_has_the_expected_interface()
    {
        using var mesh = new InferenceSession(TestEnvironment.Models.File(ModelCatalog.FaceMesh));
        Assert.Equal([1, 192, 192, 3], mesh.InputMetadata.Single().Value.Dimensions);
        Assert.Equal([1, 1, 1, 1404], mesh.OutputMetadata["conv2d_21"].Dimensions);
        Assert.Equal([1, 1, 1, 1], mesh.OutputMetadata["conv2d_31"].Dimensions);
    }

    [Fact]
    public void Manifest_records_sources_and_hashes_that_verify()
    {
        var models = TestEnvironment.Models;
        var manifest = models.Manifest!;
        Assert.Empty(new ModelFetcher(models.Path).Verify(manifest));
        Assert.True(manifest.Covers(ModelCatalog.All));
        var mesh = manifest.Models.Single(m => m.Name == ModelCatalog.FaceMesh.Name);
        Assert.Equal("@mediapipe/face_mesh", mesh.SourcePackage);
        Assert.Equal(ModelCatalog.FaceMesh.Source.Sha256, mesh.SourceSha256);
    }

    [Fact]
    public async Task Fetch_again_does_nothing_when_all_is_verified()
    {
        var models = TestEnvironment.Models;
        var before = File.GetLastWriteTimeUtc(models.File(ModelCatalog.FaceMesh));
        var messages = new List<string>();
        await new ModelFetcher(models.Path, messages.Add).FetchAsync(TestContext.Current.CancellationToken);
        Assert.Equal(before, File.GetLastWriteTimeUtc(models.File(ModelCatalog.FaceMesh)));
        Assert.Contains(messages, m => m.Contains("present and verified"));
    }

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));

    /// <summary>A real face, letterboxed into the detector's input.</summary>
    private static float[] FaceInput()
    {
        var info = Decoding.VideoProbe.ProbeAsync(TestEnvironment.Clip("single_face.jpg")).GetAwaiter().GetResult();
        var input = new float[128 * 128 * 3];
        var frames = Decoding.FrameDecoder.DecodeAsync(info).ToBlockingEnumerable();
        using var frame = frames.First();
        Faces.ImageSampler.Sample(frame.Pixels, frame.Width, frame.Height, Faces.SquareRegion.Letterbox(frame.Width, frame.Height), input, 128, 2f / 255f, -1f);
        return input;
    }
}
