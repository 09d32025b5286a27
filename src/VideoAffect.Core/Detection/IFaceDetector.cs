using OpenCvSharp;

namespace VideoAffect.Detection;

/// <summary>Finds faces in an 8-bit grayscale frame. An instance is used by one thread at a time.</summary>
public interface IFaceDetector : IDisposable
{
    IReadOnlyList<FaceBox> Detect(Mat gray);
}
