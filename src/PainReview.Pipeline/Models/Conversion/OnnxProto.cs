namespace PainReview.Pipeline.Models.Conversion;

/// <summary>
/// The field numbers of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) that the
/// converter writes, named as the schema names them, so that the writer reads like the schema.
/// </summary>
internal static class OnnxProto
{
    public static class ModelProto
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Graph = 7, OpsetImport = 8;
    }

    public static class OperatorSetIdProto
    {
        public const int Domain = 1, Version = 2;
    }

    public static class GraphProto
    {
        public const int Node = 1, Name = 2, Initializer = 5, Input = 11, Output = 12;
    }

    public static class TensorProto
    {
        public const int Dims = 1, DataType = 2, Name = 8, RawData = 9;
    }

    public static class NodeProto
    {
        public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5;
    }

    public static class AttributeProto
    {
        public const int Name = 1, F = 2, I = 3, S = 4, Ints = 8, Type = 20;
    }

    /// <summary>The enum AttributeProto.AttributeType.</summary>
    public static class AttributeType
    {
        public const int Float = 1, Int = 2, String = 3, Ints = 7;
    }

    public static class ValueInfoProto
    {
        public const int Name = 1, Type = 2;
    }

    /// <summary>TypeProto, and its nested TypeProto.Tensor (TensorElemType, TensorShape).</summary>
    public static class TypeProto
    {
        public const int TensorType = 1;
        public const int TensorElemType = 1, TensorShape = 2;
    }

    /// <summary>TensorShapeProto, and its nested Dimension (DimValue).</summary>
    public static class TensorShapeProto
    {
        public const int Dim = 1;
        public const int DimValue = 1;
    }
}
