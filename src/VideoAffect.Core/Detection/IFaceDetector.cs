using OpenCvSharp;

namespace VideoAffect.Detection;

/// <summary>Finds faces in an 8-bit grayscale frame. An instance is used by one thread at a time.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Faces on an 8-bit gray image, in image pixels.</summary>
    IReadOnlyList<FaceBox> Detect(Mat gray);
}

/// <summary>
/// A detector that can take the decoded BGR frame itself and make the grayscale image on its
/// device, so the pipeline needs no grayscale copy on the host.
/// </summary>
public interface IBgrFaceDetector : IFaceDetector
{
    /// <summary>Faces on a packed BGR24 frame, in frame pixels.</summary>
    /// <param name="bgr">Packed BGR24 pixels, width * height * 3 bytes.</param>
    /// <param name="width">Frame width in pixels.</param>
    /// <param name="height">Frame height in pixels.</param>
    IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height);
}

/// <summary>A detector that also finds keypoints (BlazeFace), given the BGR frame.</summary>
public interface ILandmarkFaceDetector : IBgrFaceDetector
{
    /// <summary>Faces with their score and landmarks on a packed BGR24 frame of the given size.</summary>
    IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height);

    /// <summary>
    /// The same, for callers that can wait without holding a thread: a batching detector completes
    /// it when the forward pass its frame joined has run. The frame's pixels are read before it returns.
    /// </summary>
    ValueTask<IReadOnlyList<DetectedFace>> DetectFacesAsync(ReadOnlyMemory<byte> bgr, int width, int height);
}

/// <summary>
/// One detector that several workers or streams share (BlazeFace batches their frames together):
/// each holder gets this view, and disposing it leaves the detector to its owner.
/// </summary>
internal sealed class SharedFaceDetector(ILandmarkFaceDetector detector) : ILandmarkFaceDetector
{
    public ILandmarkFaceDetector Detector => detector;
    public IReadOnlyList<FaceBox> Detect(OpenCvSharp.Mat gray) => detector.Detect(gray);
    public IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height) => detector.DetectBgr(bgr, width, height);
    public IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height) => detector.DetectFaces(bgr, width, height);
    public ValueTask<IReadOnlyList<DetectedFace>> DetectFacesAsync(ReadOnlyMemory<byte> bgr, int width, int height) => detector.DetectFacesAsync(bgr, width, height);
    public void Dispose() { }
}
