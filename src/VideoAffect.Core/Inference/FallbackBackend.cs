using System.Buffers;
using OpenCvSharp;
using VideoAffect.Inference.Managed;
using VideoAffect.Model;
using VideoAffect.Preprocessing;

namespace VideoAffect.Inference;

/// <summary>
/// A device backend that cannot lose a batch: when the device fails (a driver error, a lost
/// context, out of memory), that batch runs again on the managed CPU path and is counted.
/// The device is tried again for the next batch; after <see cref="GiveUpAfter"/> failures in a
/// row it is left alone and everything runs on the CPU. Faces the device would have cut from
/// uploaded frames are then cut on the host as the CPU pipeline does.
/// </summary>
internal sealed class FallbackBackend(IInferenceBackend device, Func<IInferenceBackend>? createFallback = null, Action<string>? log = null)
    : IFrameInferenceBackend
{
    public const int GiveUpAfter = 3;
    readonly object _gate = new();
    IInferenceBackend? _cpu;
    FacePreprocessor? _preprocessor;
    int _failuresInARow;
    long _fallbacks;

    public string Name => device.Name;
    public string DeviceName => device.DeviceName;
    public Network Network => device.Network;
    public int MaxBatch => device.MaxBatch;
    /// <summary>The device backend itself (a detector may share its accelerator).</summary>
    public IInferenceBackend Device => device;
    /// <summary>Batches that ran on the CPU because the device failed.</summary>
    public long FallbackBatches => Interlocked.Read(ref _fallbacks);
    public bool DeviceAbandoned => Volatile.Read(ref _failuresInARow) >= GiveUpAfter;

    public void Run(ReadOnlySpan<float> input, int batch, Span<float> probabilities)
    {
        if (!DeviceAbandoned)
        {
            try
            {
                device.Run(input, batch, probabilities);
                Volatile.Write(ref _failuresInARow, 0);
                return;
            }
            catch (Exception e) when (e is not ArgumentException) { Failed(e); }
        }
        Cpu().Run(input, batch, probabilities);
    }

    public void Run(ReadOnlySpan<float> input, int batch, IReadOnlyList<float[]> outputs)
    {
        if (!DeviceAbandoned)
        {
            try
            {
                device.Run(input, batch, outputs);
                Volatile.Write(ref _failuresInARow, 0);
                return;
            }
            catch (Exception e) when (e is not ArgumentException) { Failed(e); }
        }
        Cpu().Run(input, batch, outputs);
    }

    public void RunOnFrames(IReadOnlyList<FrameFaces> frames, Span<float> probabilities)
    {
        if (!DeviceAbandoned && device is IFrameInferenceBackend frameDevice)
        {
            try
            {
                frameDevice.RunOnFrames(frames, probabilities);
                Volatile.Write(ref _failuresInARow, 0);
                return;
            }
            catch (Exception e) when (e is not ArgumentException) { Failed(e); }
        }
        RunOnHost(frames, probabilities);
    }

    void Failed(Exception e)
    {
        Interlocked.Increment(ref _fallbacks);
        int inARow = Interlocked.Increment(ref _failuresInARow);
        string reason = e.Message.Split('\n')[0];
        log?.Invoke(inARow >= GiveUpAfter
            ? $"backend {Name} failed {inARow} times in a row ({reason}); running on the CPU from now on"
            : $"backend {Name} failed on a batch ({reason}); ran it on the CPU");
    }

    IInferenceBackend Cpu()
    {
        lock (_gate) return _cpu ??= createFallback?.Invoke() ?? new ManagedCpuBackend(Network, MaxBatch);
    }

    /// <summary>The CPU pipeline's preprocessing for frames the device was to cut: gray, crop, resize, normalise.</summary>
    unsafe void RunOnHost(IReadOnlyList<FrameFaces> frames, Span<float> probabilities)
    {
        var cpu = Cpu();
        int size = Network.InputShape.Size, count = frames.Sum(f => f.Crops.Count);
        var input = ArrayPool<float>.Shared.Rent(Math.Max(1, count * size));
        try
        {
            lock (_gate) _preprocessor ??= new FacePreprocessor(Network.Input);
            int i = 0;
            foreach (var frame in frames.Where(f => f.Crops.Count > 0))
            {
                using var pin = frame.Bgr.Pin();
                using var bgr = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, (IntPtr)pin.Pointer);
                using var gray = _preprocessor.TakesColour ? null : bgr.CvtColor(ColorConversionCodes.BGR2GRAY);
                // The crops already include any margin: prepare them exactly as given.
                foreach (var crop in frame.Crops)
                    _preprocessor.Prepare(gray ?? bgr, crop, input.AsSpan(i++ * size, size));
            }
            cpu.Run(input.AsSpan(0, count * size), count, probabilities);
        }
        finally { ArrayPool<float>.Shared.Return(input); }
    }

    public void Dispose()
    {
        device.Dispose();
        _cpu?.Dispose();
        _preprocessor?.Dispose();
    }
}
