namespace VideoAffect.Detection;

/// <summary>A point in frame pixels.</summary>
public readonly record struct Landmark(float X, float Y)
{
    /// <summary>The same point for OpenCV (preprocessing takes points, not detector types).</summary>
    internal OpenCvSharp.Point2f ToPoint2f() => new(X, Y);
}

/// <summary>
/// A face a CNN detector found: its box, its score and its keypoints in frame pixels. BlazeFace's
/// six, in MediaPipe's order, are the subject's right eye, left eye, nose tip, mouth centre, right
/// ear tragion and left ear tragion (the subject's right eye is on the image's left).
/// </summary>
public sealed record DetectedFace(FaceBox Box, float Score, IReadOnlyList<Landmark> Landmarks)
{
    /// <summary>The names of BlazeFace's six landmarks, in <see cref="DetectedFace.Landmarks"/> order.</summary>
    public static readonly IReadOnlyList<string> BlazeFaceLandmarkNames = ["right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear"];
}
