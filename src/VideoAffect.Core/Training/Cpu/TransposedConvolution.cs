using VideoAffect.Engine.Cpu;
using VideoAffect.Kernels;

namespace VideoAffect.Training.Cpu;

/// <summary>
/// The input gradient of a stride-1 VALID convolution (dense layers included) as a convolution
/// itself: the output gradient, zero-padded by kernel-1 on every side, convolved with the weights
/// flipped in space and with input and output channels swapped. That runs on the inference
/// path's packed SIMD kernel instead of scattered row updates.
/// </summary>
sealed class TransposedConvolution
{
    readonly WindowGeometry _layer, _transposed;
    readonly PackedConv2D _convolution;
    readonly float[] _flipped, _zeroBias, _padded;

    public static bool Handles(WindowGeometry g) => g.StrideY == 1 && g.StrideX == 1 && g.PadTop == 0 && g.PadLeft == 0
        && g.OutHeight == g.InHeight - g.KernelHeight + 1 && g.OutWidth == g.InWidth - g.KernelWidth + 1;

    public TransposedConvolution(WindowGeometry layer, float[] weights, int maxBatch)
    {
        _layer = layer;
        _transposed = new WindowGeometry(layer.OutHeight + 2 * (layer.KernelHeight - 1), layer.OutWidth + 2 * (layer.KernelWidth - 1),
            layer.OutChannels, layer.InChannels, layer.KernelHeight, layer.KernelWidth, 1, 1, Padding.Valid);
        _flipped = new float[weights.Length];
        _zeroBias = new float[layer.InChannels];
        _padded = layer.KernelHeight > 1 || layer.KernelWidth > 1 ? new float[maxBatch * _transposed.InputSize] : [];
        _convolution = new PackedConv2D(Flip(weights), _zeroBias, _transposed, relu: false, maxBatch);
    }

    /// <summary>Call after every weight update.</summary>
    public void Load(float[] weights) => _convolution.Load(Flip(weights), _zeroBias);

    float[] Flip(float[] hwio)
    {
        int kh = _layer.KernelHeight, kw = _layer.KernelWidth, cin = _layer.InChannels, cout = _layer.OutChannels;
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++)
                        _flipped[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cout + co) * cin + ci] = hwio[((ky * kw + kx) * cin + ci) * cout + co];
        return _flipped;
    }

    public void Run(float[] outputGradient, float[] inputGradient, int batch)
    {
        if (_padded.Length == 0) { _convolution.Run(outputGradient, inputGradient, batch); return; }
        int padY = _layer.KernelHeight - 1, padX = _layer.KernelWidth - 1, channels = _layer.OutChannels;
        int row = _layer.OutWidth * channels, paddedRow = _transposed.InWidth * channels;
        Array.Clear(_padded, 0, batch * _transposed.InputSize);
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < _layer.OutHeight; y++)
                Array.Copy(outputGradient, (n * _layer.OutHeight + y) * row,
                    _padded, n * _transposed.InputSize + (y + padY) * paddedRow + padX * channels, row);
        _convolution.Run(_padded, inputGradient, batch);
    }
}
