using ILGPU.Runtime;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;

namespace VideoAffect.Detection;

/// <summary>Turns <c>--detector auto|simd|opencv|ilgpu|blazeface</c> into detectors for the pipeline's detection workers.</summary>
public static class FaceDetectorFactory
{
    /// <summary>The detector names <c>Create</c> takes: auto, simd, opencv, ilgpu, blazeface.</summary>
    public static readonly IReadOnlyList<string> Names = ["auto", "simd", "opencv", "ilgpu", "blazeface"];

    /// <summary>
    /// simd: our vectorised CPU cascade, one per worker, each using <paramref name="threadsEach"/>
    /// threads on a frame. opencv: one single-threaded OpenCV cascade per worker. ilgpu: one detector
    /// on the inference backend's own accelerator when it has one (the GPU then does both), else on
    /// the best ILGPU device (CUDA, an OpenCL GPU, or ILGPU's CPU accelerator, which is exact but slow).
    /// auto: ilgpu when the backend runs on a GPU, simd otherwise. All give OpenCV's faces.
    /// blazeface: MediaPipe's CNN detector on the same kind of backend as the classifier (on its
    /// accelerator where it has one), one per worker.
    /// </summary>
    /// <param name="name">auto, simd, opencv, ilgpu or blazeface (<see cref="Names"/>).</param>
    /// <param name="options">The cascade and its scales, or BlazeFace's thresholds.</param>
    /// <param name="backend">The classifier's backend, whose accelerator a GPU detector shares.</param>
    /// <param name="workers">frames detected at once (throughput)</param>
    /// <param name="threadsEach">threads on one frame (latency); simd only</param>
    public static IReadOnlyList<IFaceDetector> Create(string name, DetectorOptions options, IInferenceBackend backend, int workers, int threadsEach = 1)
    {
        var engine = BackendFactory.IlgpuEngine(backend);
        var gpu = engine is { Accelerator.AcceleratorType: not AcceleratorType.CPU } ? engine.Accelerator : null;
        switch (name.ToLowerInvariant())
        {
            case "opencv":
                return OpenCv(options, workers);
            case "auto":
                return gpu is not null ? [new IlgpuHaarDetector(options, gpu, ownsAccelerator: false)] : Simd(options, workers, threadsEach);
            case "simd":
                return Simd(options, workers, threadsEach);
            case "blazeface":
                return BlazeFace(options, backend, workers);
            case "ilgpu":
                if (engine is not null) return [new IlgpuHaarDetector(options, engine.Accelerator, ownsAccelerator: false)];
                var accelerator = IlgpuRuntime.CreateBestAccelerator();
                try { return [new IlgpuHaarDetector(options, accelerator)]; }
                catch { accelerator.Dispose(); throw; }
            default:
                CheckName(name);
                throw new InvalidOperationException($"detector '{name}' is listed but not built");
        }
    }

    /// <summary>Fails with the one-line error a user sees for a detector name that does not exist.</summary>
    public static void CheckName(string name)
    {
        if (!Names.Contains(name.ToLowerInvariant()))
            throw new VideoAffectException($"unknown detector '{name}'; choose one of: {string.Join(", ", Names)}");
    }

    /// <summary>Frames (views) one BlazeFace pass holds: where this machine's forward pass reaches its best frames per second.</summary>
    internal const int BlazeFaceBatch = 8;

    /// <summary>
    /// One BlazeFace detector, on the classifier's accelerator where it has one, else on the
    /// classifier's kind of backend, batching up to <see cref="BlazeFaceBatch"/> frames (or one
    /// frame's views, with tiles) per pass.
    /// </summary>
    internal static BlazeFaceDetector CreateBlazeFace(DetectorOptions options, IInferenceBackend backend)
    {
        options.Validate();
        var network = BlazeFaceModel.Load();
        var engine = BackendFactory.IlgpuEngine(backend);
        int batch = Math.Max(BlazeFaceBatch, options.Tiles * options.Tiles + 1);
        var detectorBackend = engine is not null
            ? new IlgpuBackend(network, engine.Accelerator, engine.Name, batch, ownsAccelerator: false)
            : BackendFactory.Create(backend.Name, network, batch);
        try { return new BlazeFaceDetector(detectorBackend, options); }
        catch { detectorBackend.Dispose(); throw; }
    }

    /// <summary>Every worker shares the one detector, so their frames share passes.</summary>
    static IReadOnlyList<IFaceDetector> BlazeFace(DetectorOptions options, IInferenceBackend backend, int workers)
    {
        var detector = CreateBlazeFace(options, backend);
        return [detector, .. Enumerable.Range(1, Math.Max(1, workers) - 1).Select(_ => new SharedFaceDetector(detector))];
    }

    static IReadOnlyList<IFaceDetector> OpenCv(DetectorOptions options, int workers) => Several(workers, () => new OpenCvHaarDetector(options));

    static IReadOnlyList<IFaceDetector> Simd(DetectorOptions options, int workers, int threadsEach)
    {
        options.CheckCascadeFile();
        options.Validate();
        // Read once for all workers: the cascade is never changed after loading.
        var cascade = Cascade.HaarCascadeReader.Load(options.CascadePath);
        return Several(workers, () => new Simd.SimdHaarDetector(options, cascade, threadsEach));
    }

    static IReadOnlyList<IFaceDetector> Several(int count, Func<IFaceDetector> make)
    {
        var detectors = new List<IFaceDetector>();
        try
        {
            for (int i = 0; i < count; i++) detectors.Add(make());
            return detectors;
        }
        catch
        {
            foreach (var d in detectors) d.Dispose();
            throw;
        }
    }
}
