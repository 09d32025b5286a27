using System.Runtime.InteropServices;
using VideoAffect.Engine.Onnx.Proto;
using DataType = VideoAffect.Engine.Onnx.Proto.TensorProto.Types.DataType;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// A tensor whose values the file holds (an initializer or a Constant node's output): weights,
/// shapes, pads and bounds. Values are kept as double, which holds every float32 and every int64
/// a model's shapes use exactly.
/// </summary>
sealed record OnnxConstant(long[] Dims, double[] Values)
{
    public long Count => Dims.Aggregate(1L, (a, d) => a * d);
    public float[] Floats() => Values.Select(v => (float)v).ToArray();
    public long[] Longs() => Values.Select(v => (long)v).ToArray();
    public bool IsScalar => Values.Length == 1;

    public static OnnxConstant Scalar(double value) => new([], [value]);

    /// <summary>Reads a TensorProto of float, double or integer type, from raw_data or the typed fields.</summary>
    public static OnnxConstant Read(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new ModelFormatException($"{what} '{t.Name}' keeps its data in an external file, which is not supported (save the model with its weights inside)");
        long count = t.Dims.Aggregate(1L, (a, d) => a * d);
        if (count < 0 || count > int.MaxValue) throw new ModelFormatException($"{what} '{t.Name}' has an impossible shape [{string.Join(",", t.Dims)}]");
        var raw = t.RawData.Span;
        double[] values = (DataType)t.DataType switch
        {
            DataType.Float => raw.Length > 0 ? Raw<float>(raw).ToArray().Select(v => (double)v).ToArray() : t.FloatData.Select(v => (double)v).ToArray(),
            DataType.Double => raw.Length > 0 ? Raw<double>(raw).ToArray() : t.DoubleData.ToArray(),
            DataType.Int64 => raw.Length > 0 ? Raw<long>(raw).ToArray().Select(v => (double)v).ToArray() : t.Int64Data.Select(v => (double)v).ToArray(),
            DataType.Int32 => raw.Length > 0 ? Raw<int>(raw).ToArray().Select(v => (double)v).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Int8 or DataType.Uint8 or DataType.Int16 or DataType.Uint16 or DataType.Bool when raw.Length == 0 => t.Int32Data.Select(v => (double)v).ToArray(),
            DataType.Int8 => MemoryMarshal.Cast<byte, sbyte>(raw).ToArray().Select(v => (double)v).ToArray(),
            DataType.Uint8 or DataType.Bool => raw.ToArray().Select(v => (double)v).ToArray(),
            _ => throw new ModelFormatException($"{what} '{t.Name}' has data type {(DataType)t.DataType}, which is not supported (float32 models only)"),
        };
        if (values.Length != count)
            throw new ModelFormatException($"{what} '{t.Name}' holds {values.Length} values for shape [{string.Join(",", t.Dims)}] ({count} expected); the file is damaged");
        return new OnnxConstant(t.Dims.ToArray(), values);
    }

    static ReadOnlySpan<T> Raw<T>(ReadOnlySpan<byte> raw) where T : struct
    {
        if (raw.Length % Marshal.SizeOf<T>() != 0) throw new ModelFormatException($"raw tensor data of {raw.Length} bytes is not a whole number of {typeof(T).Name} values");
        return MemoryMarshal.Cast<byte, T>(raw);
    }

    /// <summary>A Constant node's value, in whichever attribute form its opset allows.</summary>
    public static OnnxConstant FromNode(OnnxNode node)
    {
        if (node.Tensor("value") is { } t) return Read(t, "constant");
        if (node.Attribute("value_float") is { } f) return Scalar(f.F);
        if (node.Attribute("value_int") is { } i) return Scalar(i.I);
        if (node.Attribute("value_floats") is { } fs) return new([fs.Floats.Count], fs.Floats.Select(v => (double)v).ToArray());
        if (node.Attribute("value_ints") is { } ints) return new([ints.Ints.Count], ints.Ints.Select(v => (double)v).ToArray());
        throw node.Error("a Constant without a numeric value (sparse and string constants are not supported)");
    }
}
