namespace VideoAffect.Engine.Cpu;

/// <summary>The per-item reductions at the head of a classifier: spatial mean and softmax.</summary>
static class ManagedReductions
{
    public static void GlobalAveragePool(float[] input, float[] output, int batch, int pixels, int channels)
    {
        for (int n = 0; n < batch; n++)
        {
            var acc = output.AsSpan(n * channels, channels);
            acc.Clear();
            for (int p = 0; p < pixels; p++)
                SimdMath.Add(acc, input.AsSpan((n * pixels + p) * channels, channels), acc);
            float scale = 1f / pixels;
            for (int c = 0; c < channels; c++) acc[c] *= scale;
        }
    }

    public static void Softmax(float[] input, float[] output, int batch, int classes)
    {
        for (int n = 0; n < batch; n++)
        {
            var x = input.AsSpan(n * classes, classes);
            var y = output.AsSpan(n * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in x) max = MathF.Max(max, v);
            float sum = 0f;
            for (int i = 0; i < classes; i++) { y[i] = MathF.Exp(x[i] - max); sum += y[i]; }
            for (int i = 0; i < classes; i++) y[i] /= sum;
        }
    }
}
