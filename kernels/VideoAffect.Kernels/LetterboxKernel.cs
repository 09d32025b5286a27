using ILGPU;
using ILGPU.Runtime;
using static VideoAffect.Kernels.LinearSampling;

namespace VideoAffect.Kernels;

/// <summary>
/// One view of a frame in a detector's square input: the region of the packed BGR24 frame at
/// <see cref="FrameOffset"/> (the whole frame, or a tile) scaled to <see cref="Width"/> x
/// <see cref="Height"/> and placed at (<see cref="PadX"/>, <see cref="PadY"/>); the rest is black.
/// </summary>
internal readonly record struct LetterboxView(long FrameOffset, int FrameWidth, int RegionX, int RegionY, int RegionWidth, int RegionHeight,
    int Width, int Height, int PadX, int PadY);

/// <summary>
/// A CNN detector's preprocessing on the device (BlazeFace's letterbox): for each view, bilinear
/// resize of its region (OpenCV's INTER_LINEAR sampling: pixel centres aligned, edges clamped, in
/// float), the model's channel order and normalisation (level / divisor + offset), black bars
/// outside the scaled region; one thread per output pixel. The frames are uploaded once, however
/// many views (tiles) they give, and the batch is written straight into the network's input.
/// </summary>
internal sealed class LetterboxKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<byte>, ArrayView<LetterboxView>, ArrayView<float>, int, int, float, float> _kernel;

    public LetterboxKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<byte>, ArrayView<LetterboxView>, ArrayView<float>, int, int, float, float>(Execute);

    /// <summary>Writes <paramref name="views"/> x size x size x 3 floats (NHWC) to <paramref name="output"/>.</summary>
    /// <param name="rgb">1 for RGB channel order, 0 for BGR.</param>
    public void Launch(AcceleratorStream stream, int views, ArrayView<byte> frames, ArrayView<LetterboxView> geometry,
        ArrayView<float> output, int size, int rgb, float divisor, float offset) =>
        _kernel(stream, views * size * size, frames, geometry, output, size, rgb, divisor, offset);

    static void Execute(Index1D index, ArrayView<byte> frames, ArrayView<LetterboxView> geometry, ArrayView<float> output, int size, int rgb, float divisor, float offset)
    {
        int item = index / (size * size), pixel = index % (size * size);
        var v = geometry[item];
        int x = pixel % size - v.PadX, y = pixel / size - v.PadY;
        long target = (long)(int)index * 3;
        if (x < 0 || y < 0 || x >= v.Width || y >= v.Height)
        {
            float black = 0f / divisor + offset;
            output[target] = black;
            output[target + 1] = black;
            output[target + 2] = black;
            return;
        }
        Sample(v.RegionHeight, v.Height, y, out int y0, out int y1, out float fy);
        Sample(v.RegionWidth, v.Width, x, out int x0, out int x1, out float fx);
        for (int c = 0; c < 3; c++)
        {
            float top = Lerp(Level(frames, v, y0, x0, c), Level(frames, v, y0, x1, c), fx);
            float bottom = Lerp(Level(frames, v, y1, x0, c), Level(frames, v, y1, x1, c), fx);
            // BGR in the frame: channel c of the output is the frame's 2 - c in RGB order.
            output[target + (rgb != 0 ? 2 - c : c)] = Lerp(top, bottom, fy) / divisor + offset;
        }
    }

    static float Level(ArrayView<byte> frames, LetterboxView v, int y, int x, int channel) =>
        frames[v.FrameOffset + ((long)(v.RegionY + y) * v.FrameWidth + v.RegionX + x) * 3 + channel];
}
