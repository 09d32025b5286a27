using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace VideoAffect.Inference;

/// <summary>
/// A CUDA GPU's fp32 peak, to read measured GFLOP/s against: every fp32 lane of every
/// multiprocessor retiring one fused multiply-add (2 FLOP) per cycle at the boost clock.
/// </summary>
internal static class GpuPeak
{
    /// <summary>The peak of a CUDA accelerator in GFLOP/s; null for any other kind.</summary>
    public static double? Fp32Gflops(Accelerator accelerator) => accelerator is CudaAccelerator cuda
        // ILGPU reports CUDA's clock-rate attribute (kHz) divided by 1000: MHz.
        ? Fp32Gflops(cuda.NumMultiprocessors, cuda.Architecture.Major, cuda.Architecture.Minor, cuda.ClockRate)
        : null;

    public static double Fp32Gflops(int multiprocessors, int major, int minor, int clockMHz) =>
        multiprocessors * Fp32LanesPerMultiprocessor(major, minor) * 2.0 * clockMHz / 1000.0;

    /// <summary>
    /// fp32 lanes per multiprocessor by compute capability (NVIDIA's CUDA programming guide, arithmetic
    /// instruction throughput): 64 on the data-centre parts 6.0 (P100), 7.x (V100, T4) and 8.0 (A100),
    /// 128 on the others from Maxwell on, Hopper and Ada included.
    /// </summary>
    public static int Fp32LanesPerMultiprocessor(int major, int minor) =>
        (major == 6 && minor == 0) || major == 7 || (major == 8 && minor == 0) ? 64 : 128;
}
