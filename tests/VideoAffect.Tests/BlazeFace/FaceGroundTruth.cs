using VideoAffect.Detection;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// Hand-checked face boxes (coordinates only; the photos come from setup): face-api's six group
/// photos and the skimage photos. Every box the detectors drew on these photos was looked at, and
/// each true face written down once, brow to chin and cheek to cheek (the tight box MediaPipe's
/// faces have). The cat in chelsea.png and the cup in coffee.png are not faces; the cameraman in
/// camera.png is one, in profile.
/// </summary>
static class FaceGroundTruth
{
    public static readonly IReadOnlyDictionary<string, FaceBox[]> Photos = new Dictionary<string, FaceBox[]>
    {
        ["faces/sample1.jpg"] = [new(421, 410, 190, 189), new(1491, 265, 154, 153), new(852, 472, 173, 172)],
        ["faces/sample2.jpg"] = [new(1460, 196, 200, 201), new(358, 187, 203, 204), new(871, 255, 204, 204)],
        ["faces/sample3.jpg"] = [new(590, 388, 201, 201), new(1063, 255, 254, 254), new(1455, 352, 213, 213)],
        ["faces/sample4.jpg"] = [new(979, 230, 197, 197), new(677, 127, 165, 165), new(1281, 203, 180, 180), new(241, 246, 176, 176)],
        ["faces/sample5.jpg"] = [new(569, 454, 199, 199), new(775, 160, 167, 169), new(1114, 255, 187, 187), new(1420, 439, 213, 213), new(357, 942, 204, 205)],
        ["faces/sample6.jpg"] = [new(1151, 353, 232, 232), new(1465, 312, 247, 246), new(235, 537, 223, 222), new(653, 378, 238, 238)],
        ["astronaut.png"] = [new(173, 74, 104, 104)],
        ["camera.png"] = [new(183, 126, 73, 72)],
        ["chelsea.png"] = [],
        ["coffee.png"] = [],
    };

    /// <summary>Found (a true face matched at IoU ≥ 0.5, each at most once), missed and false detections.</summary>
    public static (int Found, int Missed, int False) Score(IReadOnlyList<FaceBox> truth, IReadOnlyList<FaceBox> detected)
    {
        var unmatched = truth.ToList();
        int found = 0, wrong = 0;
        foreach (var d in detected)
        {
            var best = unmatched.OrderByDescending(t => t.IntersectionOverUnion(d)).FirstOrDefault();
            if (unmatched.Count > 0 && best.IntersectionOverUnion(d) >= 0.5) { found++; unmatched.Remove(best); }
            else wrong++;
        }
        return (found, unmatched.Count, wrong);
    }
}
