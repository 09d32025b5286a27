using System.Runtime.InteropServices;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Preprocessing;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// A device that fails mid-run, simulated through the backend interface: each failed batch is run
/// again on the CPU path with the same result and counted; after repeated failures the device is
/// left alone; faces the device was to cut from frames are cut on the host instead.
/// </summary>
public class FallbackBackendTests
{
    static readonly Lazy<Network> Model = new(() => PretrainedModel.Load());

    /// <summary>A GPU backend whose driver fails: every call throws, as a lost CUDA context does.</summary>
    sealed class FailingDevice(Network network) : IFrameInferenceBackend
    {
        public int Calls;
        public string Name => "cuda";
        public string DeviceName => "simulated GPU";
        public Network Network => network;
        public int MaxBatch => 16;
        public void Run(ReadOnlySpan<float> input, int batch, Span<float> probabilities) => Fail();
        public void Run(ReadOnlySpan<float> input, int batch, IReadOnlyList<float[]> outputs) => Fail();
        public void RunOnFrames(IReadOnlyList<FrameFaces> frames, Span<float> probabilities) => Fail();
        void Fail() { Calls++; throw new InvalidOperationException("CUDA_ERROR_LAUNCH_FAILED (simulated)"); }
        public void Dispose() { }
    }

    [Fact]
    public void A_failed_batch_runs_on_the_CPU_with_the_same_result_and_is_counted()
    {
        var rnd = new RandomData();
        var input = rnd.Floats(5 * Model.Value.InputShape.Size, 0.5f);
        var expected = Backends.Run("cpu", Model.Value, input, 5);
        var device = new FailingDevice(Model.Value);
        var messages = new List<string>();
        using var backend = new FallbackBackend(device, log: messages.Add);

        var actual = new float[5 * 7];
        backend.Run(input, 5, actual);
        Assert.Equal(expected, actual);
        Assert.Equal(1, backend.FallbackBatches);
        Assert.Contains("CUDA_ERROR_LAUNCH_FAILED", Assert.Single(messages));

        // The device is tried again for each batch, and left alone after three failures in a row.
        for (int i = 0; i < 4; i++) backend.Run(input, 5, actual);
        Assert.True(backend.DeviceAbandoned);
        Assert.Equal(FallbackBackend.GiveUpAfter, device.Calls);
        Assert.Equal(FallbackBackend.GiveUpAfter, backend.FallbackBatches);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Faces_to_cut_on_the_device_are_cut_on_the_host_when_it_fails()
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        photo.GetArray(out Vec3b[] pixels);
        var bgr = MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
        var crops = new[] { new FaceBox(177, 66, 95, 95), new FaceBox(10, 300, 120, 90) };
        using var backend = new FallbackBackend(new FailingDevice(Model.Value));
        var actual = new float[2 * 7];
        backend.RunOnFrames([new FrameFaces(bgr, photo.Width, photo.Height, crops), new FrameFaces(bgr, photo.Width, photo.Height, [])], actual);

        // The CPU pipeline's own preprocessing and backend on the same crops.
        using var gray = photo.CvtColor(ColorConversionCodes.BGR2GRAY);
        using var preprocessor = new FacePreprocessor(Model.Value.InputShape);
        int size = Model.Value.InputShape.Size;
        var input = new float[2 * size];
        for (int i = 0; i < 2; i++) preprocessor.Prepare(gray, crops[i], input.AsSpan(i * size, size));
        Assert.Equal(Backends.Run("cpu", Model.Value, input, 2), actual);
        Assert.Equal(1, backend.FallbackBatches);
        Assert.Equal("happy", Model.Value.Labels[Array.IndexOf(actual, actual.Take(7).Max())]);
    }
}
