namespace VideoAffect.Pipeline;

/// <summary>
/// OpenCV's thread count is process-wide: a pipeline that parallelises by frames or streams sets it
/// for its run only and puts it back, so other OpenCV users in the process (the bench's baselines, a
/// caller's own code) keep theirs.
/// </summary>
internal sealed class OpenCvThreads : IDisposable
{
    readonly int _before = OpenCvSharp.Cv2.GetNumThreads();

    OpenCvThreads(int threads) => OpenCvSharp.Cv2.SetNumThreads(threads);

    /// <summary>One OpenCV thread while this lives; OpenCV's own fork-join threads stall behind the pipeline's.</summary>
    public static OpenCvThreads Single() => new(1);

    /// <summary>Leaves the count as it is.</summary>
    public static OpenCvThreads Unchanged() => new(OpenCvSharp.Cv2.GetNumThreads());

    public void Dispose() => OpenCvSharp.Cv2.SetNumThreads(_before);
}
