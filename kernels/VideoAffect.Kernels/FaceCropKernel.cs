using ILGPU;
using ILGPU.Runtime;
using static VideoAffect.Kernels.LinearSampling;

namespace VideoAffect.Kernels;

/// <summary>
/// Where one face's network input comes from: a rectangle (already clipped to its frame) of a
/// packed BGR24 frame that starts at <see cref="FrameOffset"/> in the frames buffer.
/// </summary>
internal readonly record struct FaceCrop(long FrameOffset, int FrameWidth, int X, int Y, int Width, int Height);

/// <summary>
/// The network's preprocessing on the device: for each face, grayscale conversion (or the colour
/// channels in the model's order, RGB or BGR), bilinear resize of its crop to the input size, and
/// the model's normalisation (level / divisor + offset, the model's input spec: x / 127.5 - 1 for
/// the emotion CNN), one thread per output value. Frames are uploaded once however many faces they hold; the batch is written straight
/// into the network's input buffer.
/// Grayscale is <see cref="OpenCvGray"/>, so gray levels equal the CPU path's;
/// the resize follows OpenCV's INTER_LINEAR sampling (pixel centres aligned, edge pixels clamped)
/// in float instead of OpenCV's 11-bit fixed point, and does not round to 8 bits.
/// </summary>
internal sealed class FaceCropKernel
{
    /// <summary>The model's pixels, as <c>VideoAffect.Engine.PixelOrder</c> numbers them.</summary>
    public const int Gray = 0, Rgb = 1, Bgr = 2;

    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<FaceCrop>, ArrayView<float>, int, int, float, float, int> _kernel;

    public FaceCropKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<FaceCrop>, ArrayView<float>, int, int, float, float, int>(Execute);

    /// <summary>Writes <paramref name="faces"/> x height x width x channels floats (NHWC: one channel for gray, three for colour) to <paramref name="output"/>.</summary>
    public void Launch(AcceleratorStream stream, int faces, ArrayView<byte> frames, ArrayView<FaceCrop> crops,
        ArrayView<float> output, int height, int width, float divisor, float offset, int pixels = Gray) =>
        _kernel(stream, faces * height * width * (pixels == Gray ? 1 : 3), frames, crops, output, height, width, divisor, offset, pixels);

    static void Execute(Index1D index, ArrayView<byte> frames, ArrayView<FaceCrop> crops, ArrayView<float> output, int height, int width, float divisor, float offset, int pixels)
    {
        int channels = pixels == Gray ? 1 : 3;
        int value = index % (height * width * channels), pixel = value / channels;
        // Byte of the BGR pixel this output channel reads: red is byte 2 for RGB's first channel.
        int channel = pixels == Rgb ? 2 - value % channels : value % channels;
        var crop = crops[index / (height * width * channels)];
        Sample(crop.Height, height, pixel / width, out int y0, out int y1, out float fy);
        Sample(crop.Width, width, pixel % width, out int x0, out int x1, out float fx);
        float top = Lerp(Level(frames, crop, y0, x0, pixels, channel), Level(frames, crop, y0, x1, pixels, channel), fx);
        float bottom = Lerp(Level(frames, crop, y1, x0, pixels, channel), Level(frames, crop, y1, x1, pixels, channel), fx);
        output[index] = Lerp(top, bottom, fy) / divisor + offset;
    }

    static float Level(ArrayView<byte> frames, FaceCrop crop, int y, int x, int pixels, int channel)
    {
        long offset = crop.FrameOffset + ((long)(crop.Y + y) * crop.FrameWidth + crop.X + x) * 3;
        return pixels == Gray ? OpenCvGray.FromBgr(frames[offset], frames[offset + 1], frames[offset + 2]) : frames[offset + channel];
    }
}
