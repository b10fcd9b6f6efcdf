using System.Runtime.InteropServices;

using static PainReview.Pipeline.Models.Conversion.OnnxProto;

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
        model.Varint(ModelProto.IrVersion, IrVersion)
            .String(ModelProto.ProducerName, Producer)
            .String(ModelProto.ProducerVersion, typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(ModelProto.Graph, WriteGraph)
            .Message(ModelProto.OpsetImport, op => op.String(OperatorSetIdProto.Domain, "").Varint(OperatorSetIdProto.Version, Opset));
        return model.ToArray();
    }

    private void WriteGraph(ProtoWriter g)
    {
        foreach (var node in Nodes)
            g.Message(GraphProto.Node, n => WriteNode(n, node));
        g.String(GraphProto.Name, Name);
        foreach (var init in Initializers)
            g.Message(GraphProto.Initializer, t =>
            {
                t.PackedInt64(TensorProto.Dims, init.Dims);
                t.Varint(TensorProto.DataType, init.DataType);
                t.String(TensorProto.Name, init.Name);
                t.Bytes(TensorProto.RawData, init.Raw);
            });
        foreach (var input in Inputs) g.Message(GraphProto.Input, v => WriteValueInfo(v, input));
        foreach (var output in Outputs) g.Message(GraphProto.Output, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtoWriter n, OnnxNode node)
    {
        foreach (var i in node.Inputs) n.String(NodeProto.Input, i);
        foreach (var o in node.Outputs) n.String(NodeProto.Output, o);
        n.String(NodeProto.Name, node.Name);
        n.String(NodeProto.OpType, node.OpType);
        foreach (var attribute in node.Attributes)
            n.Message(NodeProto.Attribute, a =>
            {
                a.String(AttributeProto.Name, attribute.Name);
                switch (attribute)
                {
                    case OnnxAttribute.Int i: a.Varint(AttributeProto.I, i.Value).Varint(AttributeProto.Type, AttributeType.Int); break;
                    case OnnxAttribute.Ints i: a.PackedInt64(AttributeProto.Ints, i.Values).Varint(AttributeProto.Type, AttributeType.Ints); break;
                    case OnnxAttribute.Float f: a.Float(AttributeProto.F, f.Value).Varint(AttributeProto.Type, AttributeType.Float); break;
                    case OnnxAttribute.Str s: a.String(AttributeProto.S, s.Value).Varint(AttributeProto.Type, AttributeType.String); break;
                    default: throw new InvalidOperationException(attribute.GetType().Name);
                }
            });
    }

    private static void WriteValueInfo(ProtoWriter v, OnnxValueInfo info)
    {
        v.String(ValueInfoProto.Name, info.Name);
        v.Message(ValueInfoProto.Type, type => type.Message(TypeProto.TensorType, tensor =>
        {
            tensor.Varint(TypeProto.TensorElemType, info.DataType);
            tensor.Message(TypeProto.TensorShape, shape =>
            {
                foreach (var d in info.Shape) shape.Message(TensorShapeProto.Dim, dim => dim.Varint(TensorShapeProto.DimValue, d));
            });
        }));
    }
}
