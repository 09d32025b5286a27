namespace VideoAffect.Tests.Support;

/// <summary>
/// Float64 reference implementations of every layer, written from TensorFlow's definitions and
/// independent of the product's code (including its padding arithmetic). Tensors are NHWC.
/// </summary>
static class ReferenceOps
{
    public sealed record Tensor(double[] Data, int N, int H, int W, int C)
    {
        public double this[int n, int y, int x, int c] => Data[((n * H + y) * W + x) * C + c];
        public static Tensor Zeros(int n, int h, int w, int c) => new(new double[n * h * w * c], n, h, w, c);
        public void Set(int n, int y, int x, int c, double v) => Data[((n * H + y) * W + x) * C + c] = v;
    }

    /// <summary>TF: VALID keeps windows inside the input; SAME gives ceil(in/stride) outputs and puts the odd pad row after.</summary>
    public static (int Out, int PadBefore) Extent(int input, int kernel, int stride, bool same)
    {
        if (!same) return ((input - kernel) / stride + 1, 0);
        int output = (int)Math.Ceiling(input / (double)stride);
        int total = Math.Max(0, (output - 1) * stride + kernel - input);
        return (output, total / 2);
    }

    /// <summary>weights: [kh, kw, cin, cout].</summary>
    public static Tensor Conv2D(Tensor x, float[] weights, float[] bias, int kh, int kw, int cout, int stride, bool same, bool relu)
    {
        var (oh, pt) = Extent(x.H, kh, stride, same);
        var (ow, pl) = Extent(x.W, kw, stride, same);
        var y = Tensor.Zeros(x.N, oh, ow, cout);
        for (int n = 0; n < x.N; n++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int co = 0; co < cout; co++)
        {
            double sum = bias[co];
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * stride + ky - pt, ix = ox * stride + kx - pl;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue; // zero padding
                for (int ci = 0; ci < x.C; ci++)
                    sum += x[n, iy, ix, ci] * weights[((ky * kw + kx) * x.C + ci) * cout + co];
            }
            y.Set(n, oy, ox, co, relu ? Math.Max(0, sum) : sum);
        }
        return y;
    }

    /// <summary>weights: [kh, kw, C] (channel multiplier 1).</summary>
    public static Tensor Depthwise(Tensor x, float[] weights, float[] bias, int kh, int kw, int stride, bool same, bool relu)
    {
        var (oh, pt) = Extent(x.H, kh, stride, same);
        var (ow, pl) = Extent(x.W, kw, stride, same);
        var y = Tensor.Zeros(x.N, oh, ow, x.C);
        for (int n = 0; n < x.N; n++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < x.C; c++)
        {
            double sum = bias[c];
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * stride + ky - pt, ix = ox * stride + kx - pl;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
                sum += x[n, iy, ix, c] * weights[(ky * kw + kx) * x.C + c];
            }
            y.Set(n, oy, ox, c, relu ? Math.Max(0, sum) : sum);
        }
        return y;
    }

    /// <summary>Padding never contributes to a max (TF treats it as -inf).</summary>
    public static Tensor MaxPool(Tensor x, int k, int stride, bool same)
    {
        var (oh, pt) = Extent(x.H, k, stride, same);
        var (ow, pl) = Extent(x.W, k, stride, same);
        var y = Tensor.Zeros(x.N, oh, ow, x.C);
        for (int n = 0; n < x.N; n++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < x.C; c++)
        {
            double best = double.NegativeInfinity;
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int iy = oy * stride + ky - pt, ix = ox * stride + kx - pl;
                if (iy >= 0 && iy < x.H && ix >= 0 && ix < x.W) best = Math.Max(best, x[n, iy, ix, c]);
            }
            y.Set(n, oy, ox, c, best);
        }
        return y;
    }

    public static Tensor Add(Tensor a, Tensor b, bool relu) =>
        a with { Data = a.Data.Zip(b.Data, (p, q) => relu ? Math.Max(0, p + q) : p + q).ToArray() };

    /// <summary>Zeros around each item: before/after on height, width and channels.</summary>
    public static Tensor Pad(Tensor x, int top, int bottom, int left, int right, int front, int back)
    {
        var y = Tensor.Zeros(x.N, x.H + top + bottom, x.W + left + right, x.C + front + back);
        for (int n = 0; n < x.N; n++)
            for (int h = 0; h < x.H; h++)
                for (int w = 0; w < x.W; w++)
                    for (int c = 0; c < x.C; c++)
                        y.Data[((n * y.H + h + top) * y.W + w + left) * y.C + c + front] = x.Data[((n * x.H + h) * x.W + w) * x.C + c];
        return y;
    }

    public static Tensor Relu(Tensor x) => x with { Data = x.Data.Select(v => Math.Max(0, v)).ToArray() };

    public static Tensor GlobalAveragePool(Tensor x)
    {
        var y = Tensor.Zeros(x.N, 1, 1, x.C);
        for (int n = 0; n < x.N; n++)
        for (int c = 0; c < x.C; c++)
        {
            double sum = 0;
            for (int i = 0; i < x.H; i++)
            for (int j = 0; j < x.W; j++)
                sum += x[n, i, j, c];
            y.Set(n, 0, 0, c, sum / (x.H * x.W));
        }
        return y;
    }

    /// <summary>Softmax over the channel axis of each item.</summary>
    public static Tensor Softmax(Tensor x)
    {
        int per = x.H * x.W * x.C;
        var data = new double[x.Data.Length];
        for (int n = 0; n < x.N; n++)
        {
            var row = x.Data.AsSpan(n * per, per);
            double max = double.NegativeInfinity;
            foreach (double v in row) max = Math.Max(max, v);
            double sum = 0;
            for (int i = 0; i < per; i++) sum += data[n * per + i] = Math.Exp(row[i] - max);
            for (int i = 0; i < per; i++) data[n * per + i] /= sum;
        }
        return x with { Data = data };
    }

    /// <summary>max |actual - expected| / max |expected|: the error relative to the tensor's scale.</summary>
    /// <summary>
    /// ONNX's AveragePool: explicit pads, floor or ceil output extents (a window may not start in the
    /// trailing padding), and a divisor of the window's positions inside the input, or inside the
    /// input and its declared pads with <paramref name="countPad"/>.
    /// </summary>
    public static Tensor AveragePool(Tensor x, int kh, int kw, int sy, int sx, int pt, int pl, int pb, int pr, bool ceil, bool countPad)
    {
        int Out(int input, int k, int s, int before, int after)
        {
            double span = (input + before + after - k) / (double)s;
            int o = (ceil ? (int)Math.Ceiling(span) : (int)Math.Floor(span)) + 1;
            if (ceil && (o - 1) * s >= input + before) o--;
            return o;
        }
        int oh = Out(x.H, kh, sy, pt, pb), ow = Out(x.W, kw, sx, pl, pr);
        var y = Tensor.Zeros(x.N, oh, ow, x.C);
        for (int n = 0; n < x.N; n++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < x.C; c++)
        {
            double sum = 0;
            int count = 0;
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * sy + ky - pt, ix = ox * sx + kx - pl;
                bool inside = iy >= 0 && iy < x.H && ix >= 0 && ix < x.W;
                bool inPads = iy >= -pt && iy < x.H + pb && ix >= -pl && ix < x.W + pr;
                if (inside) sum += x[n, iy, ix, c];
                if (countPad ? inPads : inside) count++;
            }
            y.Set(n, oy, ox, c, sum / count);
        }
        return y;
    }

    public static Tensor Map(Tensor x, Func<double, double> f) => x with { Data = x.Data.Select(f).ToArray() };

    /// <summary>
    /// a op b where b (or a) holds a whole item, one value per channel, or one value per item: the
    /// smaller operand repeats over the larger one's pixels. <paramref name="op"/> takes (a, b).
    /// </summary>
    public static Tensor Broadcast(Tensor a, Tensor b, Func<double, double, double> op)
    {
        var big = a.Data.Length >= b.Data.Length ? a : b;
        var y = Tensor.Zeros(big.N, big.H, big.W, big.C);
        double At(Tensor t, int n, int yy, int xx, int c) =>
            t.H * t.W * t.C == 1 ? t[n, 0, 0, 0] : t.H * t.W == 1 ? t[n, 0, 0, c] : t[n, yy, xx, c];
        for (int n = 0; n < big.N; n++)
        for (int yy = 0; yy < big.H; yy++)
        for (int xx = 0; xx < big.W; xx++)
        for (int c = 0; c < big.C; c++)
            y.Set(n, yy, xx, c, op(At(a, n, yy, xx, c), At(b, n, yy, xx, c)));
        return y;
    }

    public static Tensor ScaleShift(Tensor x, float[] scale, float[] shift)
    {
        var y = Tensor.Zeros(x.N, x.H, x.W, x.C);
        for (int i = 0; i < x.Data.Length; i++) y.Data[i] = x.Data[i] * scale[i % x.C] + shift[i % x.C];
        return y;
    }

    /// <summary>Inputs side by side along channels.</summary>
    public static Tensor Concat(params Tensor[] parts)
    {
        var first = parts[0];
        var y = Tensor.Zeros(first.N, first.H, first.W, parts.Sum(p => p.C));
        for (int n = 0; n < first.N; n++)
        for (int yy = 0; yy < first.H; yy++)
        for (int xx = 0; xx < first.W; xx++)
        {
            int offset = 0;
            foreach (var p in parts)
            {
                for (int c = 0; c < p.C; c++) y.Set(n, yy, xx, offset + c, p[n, yy, xx, c]);
                offset += p.C;
            }
        }
        return y;
    }

    /// <summary>Each NHWC item flattened as ONNX and PyTorch do, channel by channel: a 1 x 1 x (C*H*W) result.</summary>
    public static Tensor FlattenChannelsFirst(Tensor x)
    {
        var y = Tensor.Zeros(x.N, 1, 1, x.C * x.H * x.W);
        for (int n = 0; n < x.N; n++)
        for (int c = 0; c < x.C; c++)
        for (int yy = 0; yy < x.H; yy++)
        for (int xx = 0; xx < x.W; xx++)
            y.Set(n, 0, 0, (c * x.H + yy) * x.W + xx, x[n, yy, xx, c]);
        return y;
    }

    /// <summary>The inverse: flat C*H*W items read as NCHW, stored NHWC.</summary>
    public static Tensor UnflattenChannelsFirst(Tensor x, int h, int w, int c)
    {
        var y = Tensor.Zeros(x.N, h, w, c);
        for (int n = 0; n < x.N; n++)
        for (int ch = 0; ch < c; ch++)
        for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < w; xx++)
            y.Set(n, yy, xx, ch, x.Data[n * h * w * c + (ch * h + yy) * w + xx]);
        return y;
    }

    public static double RelativeError(ReadOnlySpan<float> actual, double[] expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"{actual.Length} values, expected {expected.Length}");
        double maxDiff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!double.IsFinite(actual[i])) return double.PositiveInfinity;
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return maxDiff / Math.Max(scale, 1e-30);
    }
}
