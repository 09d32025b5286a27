using VideoAffect.Engine;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// BlazeFace's raw outputs to faces, as MediaPipe's TensorsToDetectionsCalculator does for this
/// model (scales of 256, so regressors are input pixels): score = sigmoid(logit); box centre =
/// anchor + (r0, r1), size (r2, r3); keypoint k = anchor + (r4+2k, r5+2k). Candidates at or above
/// the score threshold are mapped from their view (the letterboxed frame or a tile) to the frame,
/// and all of a frame's views merged by one weighted NMS.
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

    /// <summary>The faces of one frame seen in one or more views (the whole frame, tiles), from a batch's <paramref name="outputs"/>.</summary>
    public List<DetectedFace> Decode(IReadOnlyList<float[]> outputs, IEnumerable<(int Item, Letterbox View)> views, int frameWidth, int frameHeight)
    {
        var candidates = new List<Candidate>();
        foreach (var (item, view) in views) AddCandidates(outputs, item, view, candidates);
        return WeightedNms.Merge(candidates, _iouThreshold).Select(c => ToFrame(c, frameWidth, frameHeight)).ToList();
    }

    /// <summary>Item <paramref name="item"/>'s candidates, mapped from its view to frame pixels.</summary>
    void AddCandidates(IReadOnlyList<float[]> outputs, int item, Letterbox view, List<Candidate> candidates)
    {
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
                    keypoints[k] = view.FrameX(ax + r[4 + k]);
                    keypoints[k + 1] = view.FrameY(ay + r[5 + k]);
                }
                candidates.Add(new Candidate(score, view.FrameX(cx - w / 2), view.FrameY(cy - h / 2), view.FrameX(cx + w / 2), view.FrameY(cy + h / 2), keypoints));
            }
        }
    }

    static DetectedFace ToFrame(Candidate c, int width, int height)
    {
        var landmarks = new Landmark[c.Keypoints.Length / 2];
        for (int k = 0; k < landmarks.Length; k++) landmarks[k] = new Landmark(c.Keypoints[2 * k], c.Keypoints[2 * k + 1]);
        int x0 = (int)Math.Round(Math.Clamp(c.XMin, 0, width)), y0 = (int)Math.Round(Math.Clamp(c.YMin, 0, height));
        int x1 = (int)Math.Round(Math.Clamp(c.XMax, 0, width)), y1 = (int)Math.Round(Math.Clamp(c.YMax, 0, height));
        return new DetectedFace(new FaceBox(x0, y0, x1 - x0, y1 - y0), c.Score, landmarks);
    }
}
