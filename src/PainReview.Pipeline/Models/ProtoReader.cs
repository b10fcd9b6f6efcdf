using System.Buffers.Binary;

namespace PainReview.Pipeline.Models;

/// <summary>Reads Protocol Buffers wire format field by field (enough for MediaPipe's small metadata files).</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public int Field { get; private set; }
    public int WireType { get; private set; }

    public bool Next()
    {
        if (_position >= _data.Length) return false;
        var tag = ReadVarint();
        Field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new InvalidDataException("Malformed varint.");
    }

    public float ReadFloat()
    {
        var v = BinaryPrimitives.ReadSingleLittleEndian(_data[_position..]);
        _position += 4;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = (int)ReadVarint();
        var slice = _data.Slice(_position, length);
        _position += length;
        return slice;
    }

    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: _position += 8; break;
            case 2: ReadBytes(); break;
            case 5: _position += 4; break;
            default: throw new InvalidDataException($"Unsupported wire type {WireType}.");
        }
    }
}
