using System.Threading.Channels;
using VideoAffect.Classification;
using VideoAffect.Inference;
using VideoAffect.Media;

namespace VideoAffect.Pipeline;

/// <summary>
/// Batches the faces of consecutive frames into one forward pass. A batch runs when it holds
/// <c>batchSize</c> faces, when its first frame has waited <c>timeout</c>, or when the input ends
/// (DeepStream's batch-size / batched-push-timeout). Frames leave in the order they came.
/// </summary>
internal sealed class ClassifyStage
{
    readonly IInferenceBackend _backend;
    readonly int _batchSize;
    readonly TimeSpan _timeout;
    readonly float[] _inputs;
    readonly float[] _probabilities;
    readonly List<VideoFrame> _pending = new();

    public ClassifyStage(IInferenceBackend backend, int batchSize, TimeSpan timeout)
    {
        _backend = backend;
        _batchSize = batchSize;
        _timeout = timeout;
        // A batch may overshoot by one frame's faces; the buffers grow for that rare case.
        _inputs = new float[batchSize * backend.Network.InputShape.Size];
        _probabilities = new float[batchSize * backend.Network.ClassCount];
    }

    /// <summary>Forward passes run so far.</summary>
    public long Batches { get; private set; }
    /// <summary>Forward passes that held faces of more than one stream (the monitor batches across streams).</summary>
    public long MixedBatches { get; private set; }
    /// <summary>Faces classified so far (over <see cref="Batches"/>: the mean batch).</summary>
    public long Faces { get; private set; }

    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            while (await StageChannels.WaitAsync(input, token))
            {
                await GatherAsync(input, token);
                ClassifyPending();
                foreach (var frame in _pending)
                    await output.WriteAsync(frame, token);
                _pending.Clear();
            }
        }
        catch (Exception e) { error = e; throw; }
        finally
        {
            foreach (var frame in _pending) frame.Dispose();
            _pending.Clear();
            output.TryComplete(error ?? input.UpstreamError());
        }
    }

    async Task GatherAsync(ChannelReader<VideoFrame> input, CancellationToken token)
    {
        int faces = 0;
        var deadline = DateTime.UtcNow + _timeout;
        while (faces < _batchSize)
        {
            if (input.TryRead(out var frame))
            {
                _pending.Add(frame);
                faces += frame.Faces.Count;
                continue;
            }
            // Frames without faces need no company: send them on at once.
            if (faces == 0) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
            wait.CancelAfter(left);
            try
            {
                if (!await StageChannels.WaitAsync(input, wait.Token)) return; // input finished
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return; // deadline reached
            }
        }
    }

    void ClassifyPending()
    {
        int classes = _backend.Network.ClassCount;
        var faces = _pending.SelectMany(f => f.Faces).Where(f => f.Input is not null || f.DeviceCrop is not null).ToList();
        int count = faces.Count;
        if (count == 0) return;
        var probabilities = count <= _batchSize ? _probabilities : new float[count * classes];
        long started = BusyTime.Start();
        if (faces[0].DeviceCrop is not null) RunOnDevice(probabilities);
        else RunOnHostInputs(faces, probabilities);
        Busy.Stop(started);
        Batches++;
        Faces += count;
        if (_pending.Where(f => f.Faces.Count > 0).Select(f => f.Stream).Distinct().Skip(1).Any()) MixedBatches++;
        int i = 0;
        foreach (var face in faces)
        {
            face.Prediction = new EmotionPrediction(_backend.Network.Labels, probabilities.AsSpan(i++ * classes, classes).ToArray());
            face.ReleaseInput();
        }
    }

    /// <summary>Forward passes (with the device's preprocessing when it cuts the faces).</summary>
    public BusyTime Busy { get; } = new();

    void RunOnHostInputs(List<FaceObservation> faces, float[] probabilities)
    {
        int size = _backend.Network.InputShape.Size, count = faces.Count;
        var inputs = count <= _batchSize ? _inputs : new float[count * size];
        int i = 0;
        foreach (var face in faces)
            face.Input.AsSpan(0, size).CopyTo(inputs.AsSpan(i++ * size, size));
        _backend.Run(inputs.AsSpan(0, count * size), count, probabilities);
    }

    void RunOnDevice(float[] probabilities)
    {
        if (_backend is not IFrameInferenceBackend device)
            throw new InvalidOperationException($"the {_backend.Name} backend cannot cut faces on a device; the detect stage must crop on the host");
        var frames = _pending.Select(f => new FrameFaces(f.Pixels, f.Width, f.Height,
            f.Faces.Where(face => face.DeviceCrop is not null).Select(face => face.DeviceCrop!.Value).ToList())).ToList();
        device.RunOnFrames(frames, probabilities);
    }
}
