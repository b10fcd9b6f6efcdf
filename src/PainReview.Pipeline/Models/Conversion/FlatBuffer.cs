using System.Buffers.Binary;
using System.Text;

namespace PainReview.Pipeline.Models.Conversion;

/// <summary>
/// A read-only view of one FlatBuffers table. TFLite files are FlatBuffers; reading the few
/// tables we need by hand keeps the converter free of generated code.
/// </summary>
internal readonly struct FlatTable
{
    private readonly byte[] _buffer;
    private readonly int _position;
    private readonly int _vtable;
    private readonly int _vtableSize;

    public FlatTable(byte[] buffer, int position)
    {
        _buffer = buffer;
        _position = position;
        _vtable = position - BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(position));
        _vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(_vtable));
    }

    public static FlatTable Root(byte[] buffer) =>
        new(buffer, (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer));

    private int FieldOffset(int field)
    {
        var entry = 4 + field * 2;
        return entry >= _vtableSize ? 0 : BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(_vtable + entry));
    }

    public int Int32(int field, int fallback = 0)
    {
        var o = FieldOffset(field);
        return o == 0 ? fallback : BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_position + o));
    }

    public uint UInt32(int field, uint fallback = 0)
    {
        var o = FieldOffset(field);
        return o == 0 ? fallback : BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_position + o));
    }

    public byte Byte(int field, byte fallback = 0)
    {
        var o = FieldOffset(field);
        return o == 0 ? fallback : _buffer[_position + o];
    }

    private int Indirect(int field)
    {
        var o = FieldOffset(field);
        if (o == 0) return -1;
        var at = _position + o;
        return at + (int)BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at));
    }

    public FlatTable? Table(int field)
    {
        var at = Indirect(field);
        return at < 0 ? null : new FlatTable(_buffer, at);
    }

    public string? String(int field)
    {
        var at = Indirect(field);
        if (at < 0) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(at));
        return Encoding.UTF8.GetString(_buffer, at + 4, length);
    }

    public ReadOnlySpan<byte> Bytes(int field)
    {
        var at = Indirect(field);
        if (at < 0) return [];
        var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(at));
        return _buffer.AsSpan(at + 4, length);
    }

    public int[] Int32Vector(int field)
    {
        var bytes = VectorBytes(field, 4);
        var result = new int[bytes.Length / 4];
        for (var i = 0; i < result.Length; i++)
            result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
        return result;
    }

    private ReadOnlySpan<byte> VectorBytes(int field, int elementSize)
    {
        var at = Indirect(field);
        if (at < 0) return [];
        var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(at));
        return _buffer.AsSpan(at + 4, length * elementSize);
    }

    public FlatTable[] Tables(int field)
    {
        var at = Indirect(field);
        if (at < 0) return [];
        var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(at));
        var result = new FlatTable[length];
        for (var i = 0; i < length; i++)
        {
            var element = at + 4 + i * 4;
            result[i] = new FlatTable(_buffer, element + (int)BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(element)));
        }
        return result;
    }
}
