using System.Runtime.InteropServices;
using ILGPU.Runtime;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Model;
using VideoAffect.Preprocessing;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.ReferenceOps;

namespace VideoAffect.Tests;

/// <summary>
/// Preprocessing on the device (grayscale, bilinear resize of each crop, normalisation), on ILGPU's
/// CPU accelerator: against the float64 reference over OpenCV's grayscale, against the CPU path's
/// OpenCV resize on a real photo, and through <see cref="IlgpuBackend.RunOnFrames"/> with several
/// frames, faceless frames and batches split by the maximum batch size.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class FaceCropKernelTests
{
    sealed record Frame(byte[] Bgr, byte[] Gray, int Width, int Height);

    static Frame RandomFrame(RandomData rnd, int width, int height)
    {
        var bgr = rnd.Bytes(width * height * 3);
        return new Frame(bgr, OpenCvGray(bgr, width, height), width, height);
    }

    static byte[] OpenCvGray(byte[] bgr, int width, int height)
    {
        var handle = GCHandle.Alloc(bgr, GCHandleType.Pinned);
        try
        {
            using var mat = Mat.FromPixelData(height, width, MatType.CV_8UC3, handle.AddrOfPinnedObject());
            using var gray = new Mat();
            Cv2.CvtColor(mat, gray, ColorConversionCodes.BGR2GRAY);
            gray.GetArray(out byte[] pixels);
            return pixels;
        }
        finally { handle.Free(); }
    }

    static FaceBox RandomCrop(RandomData rnd, Frame frame)
    {
        int w = rnd.Int(1, frame.Width + 1), h = rnd.Int(1, frame.Height + 1);
        return new FaceBox(rnd.Int(0, frame.Width - w + 1), rnd.Int(0, frame.Height - h + 1), w, h);
    }

    /// <summary>Runs the kernel once over all crops; frames are packed one after another.</summary>
    static float[] RunKernel(IReadOnlyList<(Frame Frame, FaceBox Crop)> faces, int height, int width, PixelOrder pixels = PixelOrder.Gray)
    {
        var frames = faces.Select(f => f.Frame).Distinct().ToList();
        var offsets = new Dictionary<Frame, long>();
        long offset = 0;
        foreach (var f in frames) { offsets[f] = offset; offset += f.Bgr.Length; }
        var crops = faces.Select(f => new FaceCrop(offsets[f.Frame], f.Frame.Width, f.Crop.X, f.Crop.Y, f.Crop.Width, f.Crop.Height)).ToArray();

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var frameBuffer = accelerator.Allocate1D(frames.SelectMany(f => f.Bgr).ToArray());
        using var cropBuffer = accelerator.Allocate1D(crops);
        using var output = accelerator.Allocate1D<float>(faces.Count * height * width * (pixels == PixelOrder.Gray ? 1 : 3));
        new FaceCropKernel(accelerator).Launch(accelerator.DefaultStream, faces.Count, frameBuffer.View, cropBuffer.View, output.View, height, width, 127.5f, -1f, (int)pixels);
        accelerator.Synchronize();
        return output.GetAsArray1D();
    }

    [Theory]
    [InlineData(11, 13)]
    [InlineData(64, 64)]
    [InlineData(1, 1)]
    public void Crops_match_float64_reference(int height, int width)
    {
        var rnd = new RandomData();
        var frames = new[] { RandomFrame(rnd, 37, 29), RandomFrame(rnd, 20, 45) };
        // Random crops (up- and downscaled), a whole frame, a single pixel and a one-pixel-wide strip.
        var faces = new List<(Frame, FaceBox)>();
        for (int i = 0; i < 6; i++) { var f = frames[i % 2]; faces.Add((f, RandomCrop(rnd, f))); }
        faces.Add((frames[0], new FaceBox(0, 0, 37, 29)));
        faces.Add((frames[1], new FaceBox(19, 44, 1, 1)));
        faces.Add((frames[1], new FaceBox(3, 0, 1, 45)));

        var actual = RunKernel(faces, height, width);
        var expected = faces.SelectMany(f => ReferenceCrop.Prepare(f.Item1.Gray, f.Item1.Width, f.Item2, height, width)).ToArray();
        double error = RelativeError(actual, expected);
        Assert.True(error <= 1e-4, $"device crops {height}x{width}: relative error {error:E2} (seed {rnd.Seed})");
    }

    [Fact]
    public void A_crop_of_the_input_size_is_OpenCVs_grayscale_exactly()
    {
        var rnd = new RandomData();
        var frame = RandomFrame(rnd, 50, 40);
        var crop = new FaceBox(7, 3, 16, 12);
        var actual = RunKernel([(frame, crop)], 12, 16);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 16; x++)
            {
                float expected = frame.Gray[(crop.Y + y) * frame.Width + crop.X + x] / 127.5f - 1f;
                Assert.True(actual[y * 16 + x] == expected, $"pixel ({x},{y}): {actual[y * 16 + x]} vs OpenCV gray {expected} (seed {rnd.Seed})");
            }
    }

    [Fact]
    public void Device_crops_of_a_real_photo_agree_with_the_CPU_paths_OpenCV_resize()
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        photo.GetArray(out Vec3b[] pixels);
        var bgr = MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
        var frame = new Frame(bgr, OpenCvGray(bgr, photo.Width, photo.Height), photo.Width, photo.Height);
        // The astronaut's face (down-scaled to 64x64), a small crop (up-scaled) and an off-square one.
        var crops = new[] { new FaceBox(170, 40, 120, 130), new FaceBox(200, 100, 30, 40), new FaceBox(0, 300, 511, 90) };
        var actual = RunKernel(crops.Select(c => (frame, c)).ToList(), 64, 64);

        var shape = new TensorShape(64, 64, 1);
        using var preprocessor = new FacePreprocessor(shape);
        using var gray = photo.CvtColor(ColorConversionCodes.BGR2GRAY);
        var cpu = new float[shape.Size];
        for (int i = 0; i < crops.Length; i++)
        {
            preprocessor.Prepare(gray, crops[i], cpu);
            double worst = 0;
            for (int p = 0; p < shape.Size; p++) worst = Math.Max(worst, Math.Abs(cpu[p] - actual[i * shape.Size + p]));
            // OpenCV resizes in 11-bit fixed point and rounds to 8 bits; the kernel does neither:
            // they may differ by one gray level and a rounding, never more.
            Assert.True(worst * 127.5 <= 1.01, $"crop {crops[i]}: {worst * 127.5:F3} gray levels from OpenCV's resize");
        }
    }

    /// <summary>Colour models: each channel in the model's order, within a level of the host path's OpenCV resize.</summary>
    [Theory]
    [InlineData(PixelOrder.Rgb)]
    [InlineData(PixelOrder.Bgr)]
    public void Colour_device_crops_agree_with_the_CPU_paths_OpenCV_resize(PixelOrder pixels)
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        photo.GetArray(out Vec3b[] values);
        var bgr = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var frame = new Frame(bgr, [], photo.Width, photo.Height);
        var crops = new[] { new FaceBox(170, 40, 120, 130), new FaceBox(200, 100, 30, 40) };
        var actual = RunKernel(crops.Select(c => (frame, c)).ToList(), 24, 20, pixels);

        var spec = InputSpec.SignedUnit(new TensorShape(24, 20, 3), pixels);
        using var preprocessor = new FacePreprocessor(spec);
        var cpu = new float[spec.Shape.Size];
        for (int i = 0; i < crops.Length; i++)
        {
            preprocessor.Prepare(photo, crops[i], cpu);
            double worst = 0;
            for (int p = 0; p < cpu.Length; p++) worst = Math.Max(worst, Math.Abs(cpu[p] - actual[i * cpu.Length + p]));
            Assert.True(worst * 127.5 <= 1.01, $"{pixels} crop {crops[i]}: {worst * 127.5:F3} levels from OpenCV's resize");
        }
        // The channels really are in the model's order: the photo's red and blue differ enough to tell.
        double redFirst = 0;
        using (var swapped = new FacePreprocessor(InputSpec.SignedUnit(spec.Shape, pixels == PixelOrder.Rgb ? PixelOrder.Bgr : PixelOrder.Rgb)))
        {
            swapped.Prepare(photo, crops[0], cpu);
            for (int p = 0; p < cpu.Length; p++) redFirst = Math.Max(redFirst, Math.Abs(cpu[p] - actual[p]));
        }
        Assert.True(redFirst * 127.5 > 20, $"the swapped order is only {redFirst * 127.5:F1} levels away");
    }

    [SkippableTheory]
    [InlineData("ilgpu-cpu")]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void RunOnFrames_keeps_face_order_across_frames_faceless_frames_and_split_batches(string backendName)
    {
        var rnd = new RandomData();
        var frames = new[] { RandomFrame(rnd, 31, 23), RandomFrame(rnd, 17, 19), RandomFrame(rnd, 40, 30) };
        var cropsPerFrame = new[]
        {
            new[] { RandomCrop(rnd, frames[0]), RandomCrop(rnd, frames[0]), RandomCrop(rnd, frames[0]) },
            Array.Empty<FaceBox>(),
            new[] { RandomCrop(rnd, frames[2]), RandomCrop(rnd, frames[2]) },
        };
        // The network's output is the mean of each 9x7 input: a cheap, order-sensitive fingerprint.
        var shape = new TensorShape(9, 7, 1);
        var network = Backends.Wrap(shape, _ => new GlobalAveragePoolLayer("gap", 0, shape));
        // Maximum batch 2: five faces run as 2 + 2 + 1, from one upload of the frames.
        if (backendName != "ilgpu-cpu") GpuGate.RequireDevice(backendName);
        var created = BackendFactory.Create(backendName, network, maxBatch: 2);
        using var backend = Assert.IsAssignableFrom<IFrameInferenceBackend>(created);
        var probabilities = new float[5];
        backend.RunOnFrames(frames.Select((f, i) => new FrameFaces(f.Bgr, f.Width, f.Height, cropsPerFrame[i])).ToList(), probabilities);

        var expected = frames.SelectMany((f, i) => cropsPerFrame[i].Select(c => ReferenceCrop.Prepare(f.Gray, f.Width, c, 9, 7).Average())).ToArray();
        double error = RelativeError(probabilities, expected);
        Assert.True(error <= 1e-4, $"means of device crops on {backendName}: relative error {error:E2} (seed {rnd.Seed})");
    }

    /// <summary>
    /// A frame whose faces cover less than its area sends each face's rectangle alone; one whose
    /// faces overlap to more sends itself whole: both cut what the float64 reference cuts, here in
    /// one call (small faces at the frame's edges and corners, where the samples are clamped, then
    /// four faces that each cover most of a second frame).
    /// </summary>
    [Fact]
    public void RunOnFrames_cuts_the_same_from_faces_sent_alone_and_from_whole_frames()
    {
        var rnd = new RandomData();
        var small = RandomFrame(rnd, 64, 48);
        var covered = RandomFrame(rnd, 20, 16);
        var alone = new[] { new FaceBox(0, 0, 9, 7), new FaceBox(55, 41, 9, 7), new FaceBox(30, 0, 5, 48), new FaceBox(20, 20, 1, 1) };
        var whole = new[] { new FaceBox(0, 0, 18, 15), new FaceBox(2, 1, 18, 15), new FaceBox(1, 0, 19, 16), new FaceBox(0, 1, 17, 14) };
        var shape = new TensorShape(9, 7, 1);
        var network = Backends.Wrap(shape, _ => new GlobalAveragePoolLayer("gap", 0, shape));
        using var backend = new IlgpuBackend(network, IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", 8);
        var means = new float[alone.Length + whole.Length];
        backend.RunOnFrames([new FrameFaces(small.Bgr, small.Width, small.Height, alone), new FrameFaces(covered.Bgr, covered.Width, covered.Height, whole)], means);

        var expected = alone.Select(c => ReferenceCrop.Prepare(small.Gray, small.Width, c, 9, 7).Average())
            .Concat(whole.Select(c => ReferenceCrop.Prepare(covered.Gray, covered.Width, c, 9, 7).Average())).ToArray();
        for (int i = 0; i < means.Length; i++)
            Assert.True(Math.Abs(means[i] - expected[i]) <= 1e-5, $"face {i} ({(i < alone.Length ? alone[i] : whole[i - alone.Length])}): {means[i]} against {expected[i]} (seed {rnd.Seed})");
    }

    [Fact]
    public void RunOnFrames_rejects_a_crop_outside_its_frame()
    {
        var shape = new TensorShape(4, 4, 1);
        using var backend = new IlgpuBackend(Backends.Wrap(shape, _ => new GlobalAveragePoolLayer("gap", 0, shape)), IlgpuRuntime.CreateCpuAccelerator(), "ilgpu-cpu", 4);
        var frame = new FrameFaces(new byte[10 * 10 * 3], 10, 10, [new FaceBox(5, 5, 6, 2)]);
        var error = Assert.Throws<ArgumentException>(() => backend.RunOnFrames([frame], new float[1]));
        Assert.Contains("not inside", error.Message);
    }
}
