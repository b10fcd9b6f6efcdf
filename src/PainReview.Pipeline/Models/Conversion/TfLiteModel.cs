namespace PainReview.Pipeline.Models.Conversion;

/// <summary>TFLite builtin operator codes used by the face models (schema.fbs, BuiltinOperator).</summary>
internal enum TfLiteOp
{
    Add = 0,
    Concatenation = 2,
    Conv2D = 3,
    DepthwiseConv2D = 4,
    Dequantize = 6,
    Logistic = 14,
    MaxPool2D = 17,
    Mul = 18,
    Relu = 19,
    Relu6 = 21,
    Reshape = 22,
    Pad = 34,
    Prelu = 54,
}

/// <summary>TFLite tensor element types (schema.fbs, TensorType).</summary>
internal enum TfLiteType : byte
{
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
    UInt8 = 3,
    Int64 = 4,
}

internal sealed record TfLiteTensor(int Index, string Name, int[] Shape, TfLiteType Type, byte[] Data);

internal sealed record TfLiteOperator(int Index, int OpCode, string? CustomCode, int[] Inputs, int[] Outputs, FlatTable? Options);

/// <summary>The one subgraph of a TFLite model, read from its FlatBuffer.</summary>
internal sealed class TfLiteModel
{
    public required IReadOnlyList<TfLiteTensor> Tensors { get; init; }
    public required IReadOnlyList<TfLiteOperator> Operators { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }

    public static TfLiteModel Read(byte[] file)
    {
        if (file.Length < 8 || file[4] != 'T' || file[5] != 'F' || file[6] != 'L' || file[7] != '3')
            throw new InvalidDataException("Not a TFLite model: the FlatBuffer identifier TFL3 is missing.");

        var model = FlatTable.Root(file);
        // Model: 1 operator_codes, 2 subgraphs, 4 buffers.
        var codes = model.Tables(1).Select(c =>
        {
            // OperatorCode: 0 deprecated_builtin_code (byte), 1 custom_code, 3 builtin_code (int).
            var code = Math.Max(c.Byte(0), c.Int32(3));
            return (code, custom: c.String(1));
        }).ToArray();
        var buffers = model.Tables(4);
        var subgraphs = model.Tables(2);
        if (subgraphs.Length != 1)
            throw new InvalidDataException($"Expected one subgraph, found {subgraphs.Length}.");
        var graph = subgraphs[0];

        // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators.
        var tensors = graph.Tables(0).Select((t, i) =>
        {
            // Tensor: 0 shape, 1 type, 2 buffer, 3 name. Buffer: 0 data.
            var bufferIndex = (int)t.UInt32(2);
            var data = bufferIndex > 0 && bufferIndex < buffers.Length ? buffers[bufferIndex].Bytes(0).ToArray() : [];
            return new TfLiteTensor(i, t.String(3) ?? $"tensor_{i}", t.Int32Vector(0), (TfLiteType)t.Byte(1), data);
        }).ToArray();

        var operators = graph.Tables(3).Select((o, i) =>
        {
            // Operator: 0 opcode_index, 1 inputs, 2 outputs, 4 builtin_options.
            var (code, custom) = codes[(int)o.UInt32(0)];
            return new TfLiteOperator(i, code, custom, o.Int32Vector(1), o.Int32Vector(2), o.Table(4));
        }).ToArray();

        return new TfLiteModel { Tensors = tensors, Operators = operators, Inputs = graph.Int32Vector(1), Outputs = graph.Int32Vector(2) };
    }
}
