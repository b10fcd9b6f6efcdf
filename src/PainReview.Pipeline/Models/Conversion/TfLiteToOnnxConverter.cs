using System.Buffers.Binary;

namespace PainReview.Pipeline.Models.Conversion;

/// <summary>
/// Converts the float TFLite graphs of MediaPipe's face detector and face mesh into ONNX
/// (opset 13). TFLite works in NHWC; ONNX convolutions want NCHW, so 4-D activations are kept in
/// NCHW inside the graph and transposed only where layout matters (graph input and outputs,
/// reshapes). Float16 weights behind DEQUANTIZE are folded into float32 initializers.
/// </summary>
public static class TfLiteToOnnxConverter
{
    public static byte[] Convert(byte[] tflite, string graphName) =>
        new Conversion(TfLiteModel.Read(tflite), graphName).Run();

    /// <summary>TFLite SAME padding (before, after) for one spatial axis; for tests and reuse.</summary>
    internal static (long Before, long After) SamePaddingFor(int size, int kernel, int stride, int dilation = 1) =>
        Conversion.SamePadding(0, size, kernel, stride, dilation);

    private sealed class Conversion(TfLiteModel model, string graphName)
    {
        private static readonly long[] ToNchw = [0, 3, 1, 2];
        private static readonly long[] ToNhwc = [0, 2, 3, 1];

        private readonly OnnxGraph _graph = new() { Name = graphName };
        private readonly Dictionary<int, float[]> _constants = [];
        // ONNX value holding each activation, and whether it is stored NCHW (true) or as in TFLite.
        private readonly Dictionary<int, (string Name, bool Nchw)> _values = [];
        private int _unique;

        private string Fresh(string hint) => $"{hint}_{_unique++}";
        private int[] Shape(int tensor) => model.Tensors[tensor].Shape;

        public byte[] Run()
        {
            foreach (var t in model.Tensors)
            {
                if (t.Data.Length == 0) continue;
                if (t.Type == TfLiteType.Float32)
                    _constants[t.Index] = ReadFloats(t.Data);
            }

            foreach (var input in model.Inputs)
            {
                var t = model.Tensors[input];
                if (t.Type != TfLiteType.Float32)
                    throw new NotSupportedException($"Graph input {t.Name} is {t.Type}; only float32 inputs are supported.");
                _graph.Inputs.Add(new OnnxValueInfo(t.Name, OnnxInitializer.FloatType, t.Shape.Select(d => (long)d).ToArray()));
                _values[input] = (t.Name, false);
            }

            foreach (var op in model.Operators) Emit(op);

            foreach (var output in model.Outputs)
            {
                var t = model.Tensors[output];
                var value = Layout(output, nchw: false);
                _graph.Add("Identity", [value], [t.Name]);
                _graph.Outputs.Add(new OnnxValueInfo(t.Name, OnnxInitializer.FloatType, t.Shape.Select(d => (long)d).ToArray()));
            }
            return _graph.ToBytes();
        }

        private void Emit(TfLiteOperator op)
        {
            var o = op.Options;
            switch ((TfLiteOp)op.OpCode)
            {
                case TfLiteOp.Dequantize:
                    _constants[op.Outputs[0]] = Dequantize(model.Tensors[op.Inputs[0]]);
                    break;
                case TfLiteOp.Conv2D:
                    // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dilation_w, 5 dilation_h.
                    Convolution(op, depthwise: false, o?.Byte(0) ?? 0, o?.Int32(1, 1) ?? 1, o?.Int32(2, 1) ?? 1,
                        o?.Byte(3) ?? 0, o?.Int32(4, 1) ?? 1, o?.Int32(5, 1) ?? 1);
                    break;
                case TfLiteOp.DepthwiseConv2D:
                    // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 activation, 5/6 dilation.
                    Convolution(op, depthwise: true, o?.Byte(0) ?? 0, o?.Int32(1, 1) ?? 1, o?.Int32(2, 1) ?? 1,
                        o?.Byte(4) ?? 0, o?.Int32(5, 1) ?? 1, o?.Int32(6, 1) ?? 1);
                    break;
                case TfLiteOp.Add:
                    Binary(op, "Add", o?.Byte(0) ?? 0);
                    break;
                case TfLiteOp.Mul:
                    Binary(op, "Mul", o?.Byte(0) ?? 0);
                    break;
                case TfLiteOp.Prelu:
                    Prelu(op);
                    break;
                case TfLiteOp.Relu:
                    Unary(op, "Relu");
                    break;
                case TfLiteOp.Relu6:
                    Activation(op.Outputs[0], Layout(op.Inputs[0], Is4D(op.Inputs[0])), 3, Is4D(op.Inputs[0]));
                    break;
                case TfLiteOp.Logistic:
                    Unary(op, "Sigmoid");
                    break;
                case TfLiteOp.MaxPool2D:
                    MaxPool(op, o ?? throw Missing(op));
                    break;
                case TfLiteOp.Pad:
                    Pad(op);
                    break;
                case TfLiteOp.Reshape:
                    Reshape(op);
                    break;
                case TfLiteOp.Concatenation:
                    Concatenation(op, o?.Int32(0) ?? 0, o?.Byte(1) ?? 0);
                    break;
                default:
                    throw new NotSupportedException(
                        $"TFLite operator {op.CustomCode ?? op.OpCode.ToString()} (operator #{op.Index}) is not supported by the converter.");
            }
        }

        private static InvalidDataException Missing(TfLiteOperator op) =>
            new($"Operator #{op.Index} has no options.");

        private bool Is4D(int tensor) => Shape(tensor).Length == 4;

        /// <summary>The ONNX value of an activation in the wanted layout, transposing when needed.</summary>
        private string Layout(int tensor, bool nchw)
        {
            if (!_values.TryGetValue(tensor, out var v))
                throw new InvalidDataException($"Tensor {model.Tensors[tensor].Name} is used before it is produced.");
            if (!Is4D(tensor) || v.Nchw == nchw) return v.Name;
            var name = Fresh($"t{tensor}_{(nchw ? "nchw" : "nhwc")}");
            _graph.Add("Transpose", [v.Name], [name], new OnnxAttribute.Ints("perm", nchw ? ToNchw : ToNhwc));
            return name;
        }

        private string Output(int tensor, bool nchw)
        {
            var name = $"t{tensor}";
            _values[tensor] = (name, nchw && Is4D(tensor));
            return name;
        }

        private void Unary(TfLiteOperator op, string onnxOp)
        {
            var nchw = Is4D(op.Inputs[0]) && _values[op.Inputs[0]].Nchw;
            _graph.Add(onnxOp, [Layout(op.Inputs[0], nchw)], [Output(op.Outputs[0], nchw)]);
        }

        /// <summary>Applies a fused activation (schema ActivationFunctionType) to a value.</summary>
        private void Activation(int outputTensor, string value, byte activation, bool nchw)
        {
            var output = Output(outputTensor, nchw);
            switch (activation)
            {
                case 0: _graph.Add("Identity", [value], [output]); break;
                case 1: _graph.Add("Relu", [value], [output]); break;
                case 3:
                    var lo = Fresh("clip_min");
                    var hi = Fresh("clip_max");
                    _graph.Initializers.Add(OnnxInitializer.Floats(lo, [], [0f]));
                    _graph.Initializers.Add(OnnxInitializer.Floats(hi, [], [6f]));
                    _graph.Add("Clip", [value, lo, hi], [output]);
                    break;
                default: throw new NotSupportedException($"Fused activation {activation} is not supported.");
            }
        }

        private string FinishWithActivation(int outputTensor, byte activation, bool nchw) =>
            activation == 0 ? Output(outputTensor, nchw) : Fresh($"t{outputTensor}_pre");

        private void Convolution(TfLiteOperator op, bool depthwise, byte padding, int strideW, int strideH,
            byte activation, int dilationW, int dilationH)
        {
            var input = Shape(op.Inputs[0]);
            var filterShape = Shape(op.Inputs[1]);
            var filter = Constant(op.Inputs[1]);
            int kh = filterShape[1], kw = filterShape[2];
            float[] weights;
            long[] dims;
            if (depthwise)
            {
                // TFLite [1, KH, KW, C*M] -> ONNX [C*M, 1, KH, KW], one group per input channel.
                var outC = filterShape[3];
                weights = new float[filter.Length];
                for (var y = 0; y < kh; y++)
                    for (var x = 0; x < kw; x++)
                        for (var c = 0; c < outC; c++)
                            weights[(c * kh + y) * kw + x] = filter[(y * kw + x) * outC + c];
                dims = [outC, 1, kh, kw];
            }
            else
            {
                // TFLite [O, KH, KW, I] -> ONNX [O, I, KH, KW].
                int outC = filterShape[0], inC = filterShape[3];
                weights = new float[filter.Length];
                for (var oc = 0; oc < outC; oc++)
                    for (var y = 0; y < kh; y++)
                        for (var x = 0; x < kw; x++)
                            for (var ic = 0; ic < inC; ic++)
                                weights[((oc * inC + ic) * kh + y) * kw + x] = filter[((oc * kh + y) * kw + x) * inC + ic];
                dims = [outC, inC, kh, kw];
            }

            var weightName = $"t{op.Inputs[1]}_w";
            _graph.Initializers.Add(OnnxInitializer.Floats(weightName, dims, weights));
            var inputs = new List<string> { Layout(op.Inputs[0], true), weightName };
            if (op.Inputs.Length > 2 && op.Inputs[2] >= 0)
            {
                var biasName = $"t{op.Inputs[2]}_b";
                _graph.Initializers.Add(OnnxInitializer.Floats(biasName, [dims[0]], Constant(op.Inputs[2])));
                inputs.Add(biasName);
            }

            var (padTop, padBottom) = SamePadding(padding, input[1], kh, strideH, dilationH);
            var (padLeft, padRight) = SamePadding(padding, input[2], kw, strideW, dilationW);
            var attributes = new List<OnnxAttribute>
            {
                new OnnxAttribute.Ints("kernel_shape", [kh, kw]),
                new OnnxAttribute.Ints("strides", [strideH, strideW]),
                new OnnxAttribute.Ints("dilations", [dilationH, dilationW]),
                new OnnxAttribute.Ints("pads", [padTop, padLeft, padBottom, padRight]),
            };
            if (depthwise) attributes.Add(new OnnxAttribute.Int("group", input[3]));

            var conv = FinishWithActivation(op.Outputs[0], activation, true);
            _graph.Add("Conv", [.. inputs], [conv], [.. attributes]);
            if (activation != 0) Activation(op.Outputs[0], conv, activation, true);
        }

        /// <summary>TFLite SAME padding puts the odd pixel after, like ONNX SAME_UPPER.</summary>
        internal static (long Before, long After) SamePadding(byte padding, int size, int kernel, int stride, int dilation)
        {
            if (padding != 0) return (0, 0); // VALID
            var outSize = (size + stride - 1) / stride;
            var needed = Math.Max(0, (outSize - 1) * stride + (kernel - 1) * dilation + 1 - size);
            return (needed / 2, needed - needed / 2);
        }

        private void MaxPool(TfLiteOperator op, FlatTable o)
        {
            // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 activation.
            var input = Shape(op.Inputs[0]);
            int strideW = o.Int32(1, 1), strideH = o.Int32(2, 1), kw = o.Int32(3, 1), kh = o.Int32(4, 1);
            var (top, bottom) = SamePadding(o.Byte(0), input[1], kh, strideH, 1);
            var (left, right) = SamePadding(o.Byte(0), input[2], kw, strideW, 1);
            var activation = o.Byte(5);
            var pool = FinishWithActivation(op.Outputs[0], activation, true);
            _graph.Add("MaxPool", [Layout(op.Inputs[0], true)], [pool],
                new OnnxAttribute.Ints("kernel_shape", [kh, kw]),
                new OnnxAttribute.Ints("strides", [strideH, strideW]),
                new OnnxAttribute.Ints("pads", [top, left, bottom, right]));
            if (activation != 0) Activation(op.Outputs[0], pool, activation, true);
        }

        private void Binary(TfLiteOperator op, string onnxOp, byte activation)
        {
            var a = op.Inputs[0];
            var b = op.Inputs[1];
            var nchw = (_values.TryGetValue(a, out var va) && va.Nchw) || (_values.TryGetValue(b, out var vb) && vb.Nchw);
            var outputNchw = nchw && Is4D(op.Outputs[0]);
            var result = FinishWithActivation(op.Outputs[0], activation, outputNchw);
            _graph.Add(onnxOp, [Operand(a, nchw), Operand(b, nchw)], [result]);
            if (activation != 0) Activation(op.Outputs[0], result, activation, outputNchw);
        }

        /// <summary>
        /// PRelu with one slope per channel on an NCHW activation, written as
        /// Relu(x) + BatchNormalization(Relu(BatchNormalization(x, scale -1)), scale -slope), each normalization with
        /// mean 0, variance 1 and epsilon 0. The result is exactly PRelu's: for x &gt;= 0 it is x + 0, for x &lt; 0 it
        /// is 0 + (-slope)(-x) = slope x (negation is exact and the one product is rounded once, as in PRelu).
        /// ONNX Runtime's PRelu has no blocked-layout (NCHWc) kernel, so each one made the surrounding convolutions
        /// reorder their tensors out of and back into that layout; these ops all stay blocked (the normalizations
        /// become 1x1 depthwise convolutions with the ReLU and the addition fused into them). Other PRelus (slopes
        /// that vary over space, non-4-D inputs) stay PRelu.
        /// </summary>
        private void Prelu(TfLiteOperator op)
        {
            int input = op.Inputs[0], alpha = op.Inputs[1];
            var shape = Shape(alpha);
            var channels = Is4D(input) ? Shape(input)[3] : 0;
            if (channels == 0 || !_values[input].Nchw || _values.ContainsKey(alpha) || !_constants.TryGetValue(alpha, out var slopes)
                || slopes.Length != channels || shape.Length == 0 || shape[^1] != channels)
            {
                Binary(op, "PRelu", 0);
                return;
            }

            var x = Layout(input, true);
            string Channels(string hint, Func<int, float> value)
            {
                var name = Fresh($"t{alpha}_{hint}");
                _graph.Initializers.Add(OnnxInitializer.Floats(name, [channels], Enumerable.Range(0, channels).Select(value).ToArray()));
                return name;
            }
            var zeros = Channels("zeros", _ => 0f);
            var ones = Channels("ones", _ => 1f);
            var minusOnes = Channels("minus_ones", _ => -1f);
            var minusSlopes = Channels("minus_slopes", c => -slopes[c]);
            var epsilon = new OnnxAttribute.Float("epsilon", 0f);

            var positive = Fresh($"t{op.Outputs[0]}_positive");
            var negated = Fresh($"t{op.Outputs[0]}_negated");
            var negative = Fresh($"t{op.Outputs[0]}_negative");
            var scaled = Fresh($"t{op.Outputs[0]}_scaled");
            _graph.Add("Relu", [x], [positive]);
            _graph.Add("BatchNormalization", [x, minusOnes, zeros, zeros, ones], [negated], epsilon);
            _graph.Add("Relu", [negated], [negative]);
            _graph.Add("BatchNormalization", [negative, minusSlopes, zeros, zeros, ones], [scaled], epsilon);
            _graph.Add("Add", [positive, scaled], [Output(op.Outputs[0], true)]);
        }

        /// <summary>An operand of an elementwise op: an activation, or a constant laid out to broadcast in NCHW.</summary>
        private string Operand(int tensor, bool nchw)
        {
            if (_values.ContainsKey(tensor)) return Layout(tensor, nchw);
            var data = Constant(tensor);
            var shape = Shape(tensor);
            var name = Fresh($"t{tensor}_const");
            if (!nchw || shape.Length == 0 || data.Length == 1)
            {
                _graph.Initializers.Add(OnnxInitializer.Floats(name, shape.Select(d => (long)d).ToArray(), data));
                return name;
            }
            // Broadcasting NHWC trailing dims [.., H, W, C] becomes [C, H, W] in NCHW.
            var padded = shape.Length switch
            {
                1 => new[] { 1, 1, shape[0] },
                2 => new[] { 1, shape[0], shape[1] },
                3 => shape,
                4 when shape[0] == 1 => shape[1..],
                _ => throw new NotSupportedException($"Cannot lay out constant {model.Tensors[tensor].Name} of rank {shape.Length}."),
            };
            int h = padded[0], w = padded[1], c = padded[2];
            var chw = new float[data.Length];
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    for (var k = 0; k < c; k++)
                        chw[(k * h + y) * w + x] = data[(y * w + x) * c + k];
            _graph.Initializers.Add(OnnxInitializer.Floats(name, [c, h, w], chw));
            return name;
        }

        private void Pad(TfLiteOperator op)
        {
            var pads = IntConstant(op.Inputs[1]); // [rank, 2] before/after per NHWC axis
            var rank = pads.Length / 2;
            var input = op.Inputs[0];
            var nchw = Is4D(input);
            var order = nchw ? new[] { 0, 3, 1, 2 } : Enumerable.Range(0, rank).ToArray();
            var onnxPads = order.Select(axis => (long)pads[axis * 2]).Concat(order.Select(axis => (long)pads[axis * 2 + 1])).ToArray();
            if (nchw && pads[0] == 0 && pads[1] == 0 && pads[2] == 0 && pads[3] == 0 && pads[4] == 0 && pads[5] == 0)
            {
                // Zero channels around an activation (the residual shortcut of a block that widens): a 1x1
                // convolution whose weights are the identity and zeros gives exactly the same values (each output
                // is one input times 1 plus products with 0), and unlike Pad it stays in ONNX Runtime's blocked layout.
                int channels = Shape(input)[3], before = pads[6], after = pads[7], outChannels = before + channels + after;
                var identity = new float[outChannels * channels];
                for (var c = 0; c < channels; c++) identity[(before + c) * channels + c] = 1f;
                var weights = Fresh($"t{op.Outputs[0]}_channel_pad");
                _graph.Initializers.Add(OnnxInitializer.Floats(weights, [outChannels, channels, 1, 1], identity));
                _graph.Add("Conv", [Layout(input, true), weights], [Output(op.Outputs[0], true)],
                    new OnnxAttribute.Ints("kernel_shape", [1, 1]));
                return;
            }
            var padsName = Fresh($"t{op.Inputs[1]}_pads");
            _graph.Initializers.Add(OnnxInitializer.Int64s(padsName, onnxPads));
            _graph.Add("Pad", [Layout(input, nchw), padsName], [Output(op.Outputs[0], nchw)],
                new OnnxAttribute.Str("mode", "constant"));
        }

        private void Reshape(TfLiteOperator op)
        {
            // The element order of a reshape is the TFLite (NHWC) order.
            var target = Shape(op.Outputs[0]).Select(d => (long)d).ToArray();
            var shapeName = Fresh($"t{op.Outputs[0]}_shape");
            _graph.Initializers.Add(OnnxInitializer.Int64s(shapeName, target));
            _graph.Add("Reshape", [Layout(op.Inputs[0], false), shapeName], [Output(op.Outputs[0], false)]);
        }

        private void Concatenation(TfLiteOperator op, int axis, byte activation)
        {
            var rank = Shape(op.Outputs[0]).Length;
            if (axis < 0) axis += rank;
            var nchw = rank == 4 && op.Inputs.All(i => _values.TryGetValue(i, out var v) && v.Nchw);
            var onnxAxis = nchw ? new[] { 0, 2, 3, 1 }[axis] : axis;
            var result = FinishWithActivation(op.Outputs[0], activation, nchw);
            _graph.Add("Concat", op.Inputs.Select(i => Operand(i, nchw)).ToArray(), [result],
                new OnnxAttribute.Int("axis", onnxAxis));
            if (activation != 0) Activation(op.Outputs[0], result, activation, nchw);
        }

        private float[] Constant(int tensor) =>
            _constants.TryGetValue(tensor, out var data)
                ? data
                : throw new NotSupportedException($"Tensor {model.Tensors[tensor].Name} must be a constant for this operator.");

        private int[] IntConstant(int tensor)
        {
            var t = model.Tensors[tensor];
            if (t.Type != TfLiteType.Int32 || t.Data.Length == 0)
                throw new NotSupportedException($"Tensor {t.Name} must be a constant int32 tensor.");
            var result = new int[t.Data.Length / 4];
            for (var i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(t.Data.AsSpan(i * 4));
            return result;
        }

        private static float[] ReadFloats(byte[] data)
        {
            var result = new float[data.Length / 4];
            for (var i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4));
            return result;
        }

        private static float[] Dequantize(TfLiteTensor t)
        {
            if (t.Type != TfLiteType.Float16 || t.Data.Length == 0)
                throw new NotSupportedException($"DEQUANTIZE of {t.Name} ({t.Type}) is not supported: only constant float16 weights are.");
            var result = new float[t.Data.Length / 2];
            for (var i = 0; i < result.Length; i++)
                result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(t.Data.AsSpan(i * 2));
            return result;
        }
    }
}
