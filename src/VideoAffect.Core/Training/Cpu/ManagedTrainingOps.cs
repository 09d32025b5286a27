using System.Numerics;
using System.Runtime.InteropServices;
using VideoAffect.Kernels;
using VideoAffect.Kernels.Training;

namespace VideoAffect.Training.Cpu;

/// <summary>
/// The element-wise and pooling parts of training on the CPU. The per-element math (dropout mask,
/// Adam update) is the kernels' own shared code, so both paths compute the same thing.
/// </summary>
static class ManagedTrainingOps
{
    const int Chunk = 1 << 14;

    public static void Dropout(float[] input, float[] output, int length, uint seed, float rate) =>
        Parallel.For(0, (length + Chunk - 1) / Chunk, c =>
        {
            for (int i = c * Chunk; i < Math.Min(length, (c + 1) * Chunk); i++)
                output[i] = DropoutMask.Apply(input[i], seed, i, rate);
        });

    /// <summary>Branch-free: a select per SIMD vector (ReLU outputs are zero about half the time, which defeats branch prediction).</summary>
    public static void ReluBackward(float[] output, float[] gradient, int length) =>
        Parallel.For(0, (length + Chunk - 1) / Chunk, c =>
        {
            int start = c * Chunk, end = Math.Min(length, start + Chunk), i = start;
            var outputs = MemoryMarshal.Cast<float, Vector<float>>(output.AsSpan(start, end - start));
            var gradients = MemoryMarshal.Cast<float, Vector<float>>(gradient.AsSpan(start, end - start));
            for (int v = 0; v < outputs.Length; v++)
                gradients[v] = Vector.ConditionalSelect(Vector.GreaterThan(outputs[v], Vector<float>.Zero), gradients[v], Vector<float>.Zero);
            for (i += outputs.Length * Vector<float>.Count; i < end; i++)
                if (output[i] <= 0f) gradient[i] = 0f;
        });

    public static void Adam(float[] weights, float[] gradients, float[] mean, float[] variance, AdamStep step) =>
        Parallel.For(0, (weights.Length + Chunk - 1) / Chunk, c =>
        {
            for (int i = c * Chunk; i < Math.Min(weights.Length, (c + 1) * Chunk); i++)
            {
                var next = new AdamState(weights[i], mean[i], variance[i]).Update(gradients[i], step);
                weights[i] = next.Weight; mean[i] = next.Mean; variance[i] = next.Variance;
            }
        });

    /// <summary>
    /// Each window's gradient goes to its first maximum, the element the forward pass picked. Windows
    /// that do not overlap (the seed's 2x2 stride 2) are done SIMD over channels against the forward
    /// output, output rows in parallel; overlapping ones item by item.
    /// </summary>
    public static void MaxPoolBackward(float[] input, float[] output, float[] outputGradient, float[] inputGradient, int batch, WindowGeometry g)
    {
        Array.Clear(inputGradient, 0, batch * g.InputSize);
        if (g.StrideY >= g.KernelHeight && g.StrideX >= g.KernelWidth)
        {
            Parallel.For(0, batch * g.OutHeight, row => DisjointRow(input, output, outputGradient, inputGradient, g, row));
            return;
        }
        Parallel.For(0, batch, n =>
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    for (int c = 0; c < g.OutChannels; c++)
                    {
                        float best = float.NegativeInfinity;
                        int at = -1;
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int iy = g.InputY(oy, ky), ix = g.InputX(ox, kx);
                                if (!g.InsideInput(iy, ix)) continue;
                                int offset = g.InputOffset(n, iy, ix) + c;
                                if (input[offset] > best || at < 0) { best = input[offset]; at = offset; }
                            }
                        inputGradient[at] += outputGradient[((n * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels + c];
                    }
        });
    }

    static void DisjointRow(float[] input, float[] output, float[] outputGradient, float[] inputGradient, WindowGeometry g, int row)
    {
        int n = row / g.OutHeight, oy = row % g.OutHeight, channels = g.OutChannels, vectors = channels / Vector<float>.Count;
        Span<int> taps = stackalloc int[g.KernelHeight * g.KernelWidth];
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            int count = 0;
            for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = g.InputY(oy, ky), ix = g.InputX(ox, kx);
                    if (g.InsideInput(iy, ix)) taps[count++] = g.InputOffset(n, iy, ix);
                }
            int at = ((n * g.OutHeight + oy) * g.OutWidth + ox) * channels;
            var max = MemoryMarshal.Cast<float, Vector<float>>(output.AsSpan(at, channels));
            var dy = MemoryMarshal.Cast<float, Vector<float>>(outputGradient.AsSpan(at, channels));
            for (int v = 0; v < vectors; v++)
            {
                var taken = Vector<int>.Zero;
                for (int t = 0; t < count; t++)
                {
                    var x = new Vector<float>(input, taps[t] + v * Vector<float>.Count);
                    var first = Vector.AndNot(Vector.Equals(x, max[v]), taken);
                    Vector.ConditionalSelect(first, dy[v], Vector<float>.Zero).CopyTo(inputGradient, taps[t] + v * Vector<float>.Count);
                    taken |= first;
                }
            }
            for (int c = vectors * Vector<float>.Count; c < channels; c++)
                for (int t = 0; t < count; t++)
                    if (input[taps[t] + c] == output[at + c]) { inputGradient[taps[t] + c] = outputGradient[at + c]; break; }
        }
    }

    /// <summary>Softmax cross-entropy per row: probabilities, loss, prediction, and the mean loss's logit gradient.</summary>
    public static BatchOutcome SoftmaxCrossEntropy(float[] logits, int[] labels, float[] probabilities, float[] gradient, int rows, int classes)
    {
        var losses = new float[rows];
        var predictions = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            var z = logits.AsSpan(r * classes, classes);
            int best = 0;
            for (int j = 1; j < classes; j++) if (z[j] > z[best]) best = j;
            float max = z[best], sum = 0f;
            for (int j = 0; j < classes; j++) sum += MathF.Exp(z[j] - max);
            for (int j = 0; j < classes; j++)
            {
                float p = MathF.Exp(z[j] - max) / sum;
                probabilities[r * classes + j] = p;
                gradient[r * classes + j] = (p - (j == labels[r] ? 1f : 0f)) / rows;
            }
            losses[r] = MathF.Log(sum) + max - z[labels[r]];
            predictions[r] = best;
        }
        return new BatchOutcome(losses, predictions);
    }
}
