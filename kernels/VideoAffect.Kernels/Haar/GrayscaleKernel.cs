using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>Packed BGR24 to 8-bit gray on the device, one thread per pixel, with OpenCV's weights (<see cref="OpenCvGray"/>).</summary>
internal sealed class GrayscaleKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<byte>> _kernel;

    public GrayscaleKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<byte>>(Execute);

    public void Launch(AcceleratorStream stream, ArrayView<byte> bgr, ArrayView<byte> gray, int pixels) =>
        _kernel(stream, pixels, bgr, gray);

    static void Execute(Index1D index, ArrayView<byte> bgr, ArrayView<byte> gray) =>
        gray[index] = (byte)OpenCvGray.FromBgr(bgr[3 * index], bgr[3 * index + 1], bgr[3 * index + 2]);
}
