using OpenCvSharp;

namespace VideoAffect.Detection;

/// <summary>Finds faces in an 8-bit grayscale frame. An instance is used by one thread at a time.</summary>
public interface IFaceDetector : IDisposable
{
    IReadOnlyList<FaceBox> Detect(Mat gray);
}

/// <summary>
/// A detector that can take the decoded BGR frame itself and make the grayscale image on its
/// device, so the pipeline needs no grayscale copy on the host.
/// </summary>
public interface IBgrFaceDetector : IFaceDetector
{
    /// <param name="bgr">Packed BGR24 pixels, width * height * 3 bytes.</param>
    IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height);
}

/// <summary>A detector that also finds keypoints (BlazeFace), given the BGR frame.</summary>
public interface ILandmarkFaceDetector : IBgrFaceDetector
{
    IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height);
}
