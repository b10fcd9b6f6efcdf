using System.Runtime.InteropServices;

namespace PainReview.Pipeline.Models.Conversion;

/// <summary>An ONNX attribute value: one of the kinds the converter emits.</summary>
internal abstract record OnnxAttribute(string Name)
{
    public sealed record Int(string Name, long Value) : OnnxAttribute(Name);
    public sealed record Ints(string Name, long[] Values) : OnnxAttribute(Name);
    public sealed record Float(string Name, float Value) : OnnxAttribute(Name);
    public sealed record Str(string Name, string Value) : OnnxAttribute(Name);
}

internal sealed record OnnxNode(string OpType, string[] Inputs, string[] Outputs, string Name, OnnxAttribute[] Attributes);

internal sealed record OnnxInitializer(string Name, long[] Dims, int DataType, byte[] Raw)
{
    public const int FloatType = 1;
    public const int Int64Type = 7;

    public static OnnxInitializer Floats(string name, long[] dims, float[] data) =>
        new(name, dims, FloatType, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static OnnxInitializer Int64s(string name, long[] values) =>
        new(name, [values.Length], Int64Type, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}

internal sealed record OnnxValueInfo(string Name, int DataType, long[] Shape);

/// <summary>
/// An ONNX graph under construction, serialised as a ModelProto (field numbers from onnx.proto).
/// </summary>
internal sealed class OnnxGraph
{
    public const int Opset = 13;
    public const int IrVersion = 7;

    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxInitializer> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];
    public string Name { get; init; } = "graph";
    public string Producer { get; init; } = "PainReview";

    public void Add(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        Nodes.Add(new OnnxNode(opType, inputs, outputs, $"{opType}_{Nodes.Count}", attributes));

    public byte[] ToBytes()
    {
        var model = new ProtoWriter();
        model.Varint(1, IrVersion)
            .String(2, Producer)
            .String(3, typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(7, WriteGraph)
            .Message(8, op => op.String(1, "").Varint(2, Opset));
        return model.ToArray();
    }

    private void WriteGraph(ProtoWriter g)
    {
        foreach (var node in Nodes)
            g.Message(1, n => WriteNode(n, node));
        g.String(2, Name);
        foreach (var init in Initializers)
            g.Message(5, t =>
            {
                t.PackedInt64(1, init.Dims);
                t.Varint(2, init.DataType);
                t.String(8, init.Name);
                t.Bytes(9, init.Raw);
            });
        foreach (var input in Inputs) g.Message(11, v => WriteValueInfo(v, input));
        foreach (var output in Outputs) g.Message(12, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtoWriter n, OnnxNode node)
    {
        foreach (var i in node.Inputs) n.String(1, i);
        foreach (var o in node.Outputs) n.String(2, o);
        n.String(3, node.Name);
        n.String(4, node.OpType);
        foreach (var attribute in node.Attributes)
            n.Message(5, a =>
            {
                a.String(1, attribute.Name);
                switch (attribute)
                {
                    case OnnxAttribute.Int i: a.Varint(3, i.Value).Varint(20, 2); break;
                    case OnnxAttribute.Ints i: a.PackedInt64(8, i.Values).Varint(20, 7); break;
                    case OnnxAttribute.Float f: a.Float(2, f.Value).Varint(20, 1); break;
                    case OnnxAttribute.Str s: a.String(4, s.Value).Varint(20, 3); break;
                    default: throw new InvalidOperationException(attribute.GetType().Name);
                }
            });
    }

    private static void WriteValueInfo(ProtoWriter v, OnnxValueInfo info)
    {
        v.String(1, info.Name);
        v.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, info.DataType);
            tensor.Message(2, shape =>
            {
                foreach (var d in info.Shape) shape.Message(1, dim => dim.Varint(1, d));
            });
        }));
    }
}
