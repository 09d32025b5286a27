using VideoAffect.Engine;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// BlazeFace's raw outputs to faces, as MediaPipe's TensorsToDetectionsCalculator does for this
/// model (scales of 256, so regressors are input pixels): score = sigmoid(logit); box centre =
/// anchor + (r0, r1), size (r2, r3); keypoint k = anchor + (r4+2k, r5+2k). Candidates at or above
/// the score threshold are merged by weighted NMS and mapped from the letterbox to the frame.
/// </summary>
internal sealed class BlazeFaceDecoder
{
    /// <summary>MediaPipe clips logits to ±100 before the sigmoid.</summary>
    const float LogitClip = 100f;
    readonly BlazeFaceOutputs _outputs;
    readonly float[] _anchors;
    readonly float _scoreThreshold, _iouThreshold;

    public BlazeFaceDecoder(Network network, float scoreThreshold, float iouThreshold)
    {
        _outputs = BlazeFaceOutputs.Of(network);
        _anchors = SsdAnchors.Centres(network.InputShape.Height, SsdAnchors.BackModel);
        if (_anchors.Length / 2 != _outputs.AnchorCount)
            throw new ModelFormatException($"{network.Source} has {_outputs.AnchorCount} anchors; BlazeFace's 256x256 layout has {_anchors.Length / 2}");
        _scoreThreshold = scoreThreshold;
        _iouThreshold = iouThreshold;
    }

    /// <summary>Item <paramref name="item"/>'s faces from a batch's <paramref name="outputs"/>.</summary>
    public List<DetectedFace> Decode(IReadOnlyList<float[]> outputs, int item, Letterbox letterbox)
    {
        var candidates = new List<Candidate>();
        int anchor = 0;
        foreach (var (scores, regressors, count) in _outputs.Groups)
        {
            var logits = outputs[scores].AsSpan(item * count, count);
            var values = outputs[regressors].AsSpan(item * count * BlazeFaceOutputs.Values, count * BlazeFaceOutputs.Values);
            for (int a = 0; a < count; a++, anchor++)
            {
                float score = 1f / (1f + MathF.Exp(-Math.Clamp(logits[a], -LogitClip, LogitClip)));
                if (score < _scoreThreshold) continue;
                var r = values.Slice(a * BlazeFaceOutputs.Values, BlazeFaceOutputs.Values);
                float ax = _anchors[2 * anchor], ay = _anchors[2 * anchor + 1];
                float cx = ax + r[0], cy = ay + r[1], w = r[2], h = r[3];
                var keypoints = new float[BlazeFaceOutputs.Values - 4];
                for (int k = 0; k < keypoints.Length; k += 2)
                {
                    keypoints[k] = ax + r[4 + k];
                    keypoints[k + 1] = ay + r[5 + k];
                }
                candidates.Add(new Candidate(score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, keypoints));
            }
        }
        return WeightedNms.Merge(candidates, _iouThreshold).Select(c => ToFrame(c, letterbox)).ToList();
    }

    static DetectedFace ToFrame(Candidate c, Letterbox l)
    {
        var landmarks = new Landmark[c.Keypoints.Length / 2];
        for (int k = 0; k < landmarks.Length; k++) landmarks[k] = new Landmark(l.FrameX(c.Keypoints[2 * k]), l.FrameY(c.Keypoints[2 * k + 1]));
        int x0 = (int)Math.Round(Math.Clamp(l.FrameX(c.XMin), 0, l.FrameWidth)), y0 = (int)Math.Round(Math.Clamp(l.FrameY(c.YMin), 0, l.FrameHeight));
        int x1 = (int)Math.Round(Math.Clamp(l.FrameX(c.XMax), 0, l.FrameWidth)), y1 = (int)Math.Round(Math.Clamp(l.FrameY(c.YMax), 0, l.FrameHeight));
        return new DetectedFace(new FaceBox(x0, y0, x1 - x0, y1 - y0), c.Score, landmarks);
    }
}
