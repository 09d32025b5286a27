using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VideoAffect.Engine.Cpu;

/// <summary>
/// The few vector loops the managed layers share; each compiled optimised at its first call, as the
/// layers' own loops are (see ManagedCpuBackend).
/// </summary>
static class SimdMath
{
    /// <summary>acc += row * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(Span<float> acc, ReadOnlySpan<float> row, float scale)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<float>.Count)
        {
            var s = new Vector<float>(scale);
            var accV = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var rowV = MemoryMarshal.Cast<float, Vector<float>>(row);
            for (int v = 0; v < accV.Length; v++)
                accV[v] = Vector.FusedMultiplyAdd(rowV[v], s, accV[v]);
            i = accV.Length * Vector<float>.Count;
        }
        for (; i < acc.Length; i++)
            acc[i] += row[i] * scale;
    }

    /// <summary>acc += a * b element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(Span<float> acc, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<float>.Count)
        {
            var accV = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var aV = MemoryMarshal.Cast<float, Vector<float>>(a);
            var bV = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (int v = 0; v < accV.Length; v++)
                accV[v] = Vector.FusedMultiplyAdd(aV[v], bV[v], accV[v]);
            i = accV.Length * Vector<float>.Count;
        }
        for (; i < acc.Length; i++)
            acc[i] += a[i] * b[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max(Span<float> acc, ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<float>.Count)
        {
            var accV = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var vV = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < accV.Length; v++)
                accV[v] = Vector.Max(accV[v], vV[v]);
            i = accV.Length * Vector<float>.Count;
        }
        for (; i < acc.Length; i++)
            acc[i] = MathF.Max(acc[i], values[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && output.Length >= Vector<float>.Count)
        {
            var aV = MemoryMarshal.Cast<float, Vector<float>>(a);
            var bV = MemoryMarshal.Cast<float, Vector<float>>(b);
            var oV = MemoryMarshal.Cast<float, Vector<float>>(output);
            for (int v = 0; v < oV.Length; v++)
                oV[v] = aV[v] + bV[v];
            i = oV.Length * Vector<float>.Count;
        }
        for (; i < output.Length; i++)
            output[i] = a[i] + b[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(Span<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vV = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < vV.Length; v++)
                vV[v] = Vector.Max(vV[v], Vector<float>.Zero);
            i = vV.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
            values[i] = MathF.Max(values[i], 0f);
    }
}
