using ILGPU;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// Integral and squared integral images of an 8-bit image, (height + 1) x (width + 1) with a zero
/// first row and column, as OpenCV's integral(img, sum, sqsum, CV_32S, CV_32S). Squares are summed
/// in wrapping 32-bit integers as OpenCV does; window sums taken from them are exact as long as
/// a window's own sum fits, which a 24x24 window's (at most 576 * 255^2) does.
/// Two passes of one kernel: running sums along each row, then down each column.
/// </summary>
internal sealed class IntegralImageKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int, int, int> _kernel;

    public IntegralImageKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, int, int, int>(Execute);

    public void Launch(AcceleratorStream stream, ArrayView<byte> image, int width, int height, ArrayView<int> sum, ArrayView<int> squares)
    {
        _kernel(stream, height + 1, image, sum, squares, width, height, 0);
        _kernel(stream, width + 1, image, sum, squares, width, height, 1);
    }

    static void Execute(Index1D index, ArrayView<byte> image, ArrayView<int> sum, ArrayView<int> squares, int width, int height, int columnPass)
    {
        int stride = width + 1;
        if (columnPass == 0)
        {
            // Row y of the integral holds the running sums of image row y - 1; row 0 stays zero.
            int y = index;
            int s = 0, q = 0;
            sum[y * stride] = 0;
            squares[y * stride] = 0;
            for (int x = 1; x <= width; x++)
            {
                if (y > 0)
                {
                    int v = image[(y - 1) * width + x - 1];
                    s += v;
                    q = unchecked(q + v * v);
                }
                sum[y * stride + x] = s;
                squares[y * stride + x] = q;
            }
        }
        else
        {
            int x = index;
            int s = 0, q = 0;
            for (int y = 1; y <= height; y++)
            {
                s += sum[y * stride + x];
                q = unchecked(q + squares[y * stride + x]);
                sum[y * stride + x] = s;
                squares[y * stride + x] = q;
            }
        }
    }
}
