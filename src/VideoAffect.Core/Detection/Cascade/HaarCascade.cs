using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Cascade;

/// <summary>
/// A boosted Haar cascade as OpenCV's CascadeClassifier holds it after loading: stage thresholds
/// already lowered by OpenCV's 1e-5 margin, trees in OpenCV's node/leaf encoding.
/// </summary>
internal sealed class HaarCascade
{
    public required string Source { get; init; }
    public required int WindowWidth { get; init; }
    public required int WindowHeight { get; init; }
    public required HaarStage[] Stages { get; init; }
    public required HaarTree[] Trees { get; init; }
    public required HaarNode[] Nodes { get; init; }
    public required float[] Leaves { get; init; }
    public required HaarFeature[] Features { get; init; }
    /// <summary>True when some feature is a 45-degree (tilted) one, which needs the rotated integral image.</summary>
    public required bool HasTiltedFeatures { get; init; }
}

/// <summary>A cascade file that cannot be used (one line, as every <see cref="VideoAffectException"/>: what it quotes of a damaged file is escaped).</summary>
internal sealed class CascadeFormatException(string message) : VideoAffectException(message);
