using ILGPU;
using ILGPU.Runtime;
using static VideoAffect.Kernels.LinearSampling;

namespace VideoAffect.Kernels;

/// <summary>
/// Where one face's network input comes from: a rectangle (already clipped to its frame) of a
/// packed BGR24 frame that starts at <see cref="FrameOffset"/> in the frames buffer.
/// </summary>
public readonly record struct FaceCrop(long FrameOffset, int FrameWidth, int X, int Y, int Width, int Height);

/// <summary>
/// The network's preprocessing on the device: for each face, grayscale conversion, bilinear resize
/// of its crop to the input size, and the model's normalisation (level / divisor + offset, the
/// model's input spec: x / 127.5 - 1 for the emotion CNN), one thread per output pixel. Frames are uploaded once however many faces they hold; the batch is written straight
/// into the network's input buffer.
/// Grayscale is <see cref="OpenCvGray"/>, so gray levels equal the CPU path's;
/// the resize follows OpenCV's INTER_LINEAR sampling (pixel centres aligned, edge pixels clamped)
/// in float instead of OpenCV's 11-bit fixed point, and does not round to 8 bits.
/// </summary>
public sealed class FaceCropKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<FaceCrop>, ArrayView<float>, int, int, float, float> _kernel;

    public FaceCropKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<FaceCrop>, ArrayView<float>, int, int, float, float>(Execute);

    /// <summary>Writes <paramref name="faces"/> x height x width floats (NHWC with one channel) to <paramref name="output"/>.</summary>
    public void Launch(AcceleratorStream stream, int faces, ArrayView<byte> frames, ArrayView<FaceCrop> crops,
        ArrayView<float> output, int height, int width, float divisor, float offset) =>
        _kernel(stream, faces * height * width, frames, crops, output, height, width, divisor, offset);

    static void Execute(Index1D index, ArrayView<byte> frames, ArrayView<FaceCrop> crops, ArrayView<float> output, int height, int width, float divisor, float offset)
    {
        int face = index / (height * width), pixel = index % (height * width);
        var crop = crops[face];
        Sample(crop.Height, height, pixel / width, out int y0, out int y1, out float fy);
        Sample(crop.Width, width, pixel % width, out int x0, out int x1, out float fx);
        float top = Lerp(Gray(frames, crop, y0, x0), Gray(frames, crop, y0, x1), fx);
        float bottom = Lerp(Gray(frames, crop, y1, x0), Gray(frames, crop, y1, x1), fx);
        output[index] = Lerp(top, bottom, fy) / divisor + offset;
    }

    static float Gray(ArrayView<byte> frames, FaceCrop crop, int y, int x)
    {
        long offset = crop.FrameOffset + ((long)(crop.Y + y) * crop.FrameWidth + crop.X + x) * 3;
        return OpenCvGray.FromBgr(frames[offset], frames[offset + 1], frames[offset + 2]);
    }
}
