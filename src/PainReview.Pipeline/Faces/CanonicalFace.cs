using System.Buffers.Binary;
using System.Text.Json;
using PainReview.Pipeline.Models;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// MediaPipe's canonical (neutral, frontal) face: 468 vertices in centimetres, in image axes
/// (x right, y down, z away from the camera), and the weighted landmarks used for rigid alignment.
/// </summary>
public sealed class CanonicalFace
{
    public const int VertexCount = 468;

    public required float[] Vertices { get; init; } // x, y, z per vertex
    public required int[] BasisIndices { get; init; }
    public required float[] BasisWeights { get; init; }

    public System.Numerics.Vector3 Vertex(int i) => new(Vertices[i * 3], Vertices[i * 3 + 1], Vertices[i * 3 + 2]);

    /// <summary>
    /// Parses geometry_pipeline_metadata_landmarks.binarypb: field 1 the canonical Mesh3d
    /// (field 3 its vertex buffer, 5 floats a vertex: x, y, z, u, v; y up), field 2 the
    /// Procrustes basis (landmark id, weight).
    /// </summary>
    public static CanonicalFace FromMediaPipeMetadata(ReadOnlySpan<byte> binarypb)
    {
        var vertexBuffer = new List<float>();
        var indices = new List<int>();
        var weights = new List<float>();
        var reader = new ProtoReader(binarypb);
        while (reader.Next())
        {
            if (reader.Field == 1 && reader.WireType == 2)
            {
                var mesh = new ProtoReader(reader.ReadBytes());
                while (mesh.Next())
                {
                    if (mesh.Field == 3 && mesh.WireType == 2)
                    {
                        var packed = mesh.ReadBytes();
                        for (var i = 0; i + 4 <= packed.Length; i += 4)
                            vertexBuffer.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[i..]));
                    }
                    else if (mesh.Field == 3 && mesh.WireType == 5) vertexBuffer.Add(mesh.ReadFloat());
                    else mesh.Skip();
                }
            }
            else if (reader.Field == 2 && reader.WireType == 2)
            {
                var entry = new ProtoReader(reader.ReadBytes());
                int id = 0;
                float weight = 0;
                while (entry.Next())
                {
                    if (entry.Field == 1 && entry.WireType == 0) id = (int)entry.ReadVarint();
                    else if (entry.Field == 2 && entry.WireType == 5) weight = entry.ReadFloat();
                    else entry.Skip();
                }
                indices.Add(id);
                weights.Add(weight);
            }
            else reader.Skip();
        }

        if (vertexBuffer.Count != VertexCount * 5)
            throw new InvalidDataException($"Canonical mesh has {vertexBuffer.Count} floats; expected {VertexCount * 5}.");
        if (indices.Count == 0)
            throw new InvalidDataException("Canonical face metadata has no Procrustes landmark basis.");

        var vertices = new float[VertexCount * 3];
        for (var v = 0; v < VertexCount; v++)
        {
            vertices[v * 3] = vertexBuffer[v * 5];
            vertices[v * 3 + 1] = -vertexBuffer[v * 5 + 1];
            vertices[v * 3 + 2] = -vertexBuffer[v * 5 + 2];
        }
        return new CanonicalFace { Vertices = vertices, BasisIndices = [.. indices], BasisWeights = [.. weights] };
    }

    private sealed record Json(float[] Vertices, int[] BasisIndices, float[] BasisWeights, string Axes);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(
        new Json(Vertices, BasisIndices, BasisWeights, "x right, y down, z away from camera; centimetres"));

    public static CanonicalFace Load(string path)
    {
        var json = JsonSerializer.Deserialize<Json>(File.ReadAllBytes(path))
            ?? throw new InvalidDataException($"{path} is empty.");
        if (json.Vertices.Length != VertexCount * 3)
            throw new InvalidDataException($"{path} does not hold {VertexCount} vertices.");
        return new CanonicalFace { Vertices = json.Vertices, BasisIndices = json.BasisIndices, BasisWeights = json.BasisWeights };
    }
}
