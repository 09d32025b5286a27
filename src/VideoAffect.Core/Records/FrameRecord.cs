using VideoAffect.Classification;
using VideoAffect.Detection;

namespace VideoAffect.Records;

/// <summary>
/// What one annotated frame says about its faces, detached from the pixels: the one thing every
/// record writer and event sink receives. The frame's buffer goes back to its pool long before a
/// slow sink (a broker) gets to the record, so nothing here refers to the frame.
/// </summary>
public sealed record FrameRecord(string Stream, long Frame, double Time, DateTime? Utc, IReadOnlyList<FaceRecord> Faces);

/// <summary>One classified face: <see cref="Index"/> is its place among the frame's faces, <see cref="Track"/> 0 without tracking.</summary>
public sealed record FaceRecord(int Index, int Track, bool Detected, bool Classified, bool Tentative, FaceBox Box,
    EmotionPrediction Prediction, EmotionPrediction? Smoothed)
{
    /// <summary>What is shown and reported as the face's emotion: the smoothed prediction when there is one.</summary>
    public EmotionPrediction Display => Smoothed ?? Prediction;
    /// <summary>The detector's keypoints in frame pixels, where it gives them (see <see cref="Detection.DetectedFace"/>).</summary>
    public IReadOnlyList<Detection.Landmark>? Landmarks { get; init; }
}
