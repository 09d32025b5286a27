using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;
using Xunit.Abstractions;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// Faces found, missed and false (IoU ≥ 0.5) against the hand-checked boxes, per detector: OpenCV's
/// Haar cascade with the seed's settings, BlazeFace on the whole frame, and BlazeFace with 2x2
/// tiles. The figures asserted are the ones measured, with a margin of one face.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class DetectorAccuracyTests(ITestOutputHelper output)
{
    static unsafe (int Found, int Missed, int False) Evaluate(Func<Mat, IReadOnlyList<FaceBox>> detect, ITestOutputHelper output, string name)
    {
        int found = 0, missed = 0, wrong = 0;
        foreach (var (photo, truth) in FaceGroundTruth.Photos)
        {
            using var image = Cv2.ImRead(TestPaths.Photo(photo), ImreadModes.Color);
            var (f, m, w) = FaceGroundTruth.Score(truth, detect(image));
            found += f; missed += m; wrong += w;
            output.WriteLine($"{name} {photo}: {f} found, {m} missed, {w} false");
        }
        output.WriteLine($"{name}: {found} found, {missed} missed, {wrong} false");
        return (found, missed, wrong);
    }

    static unsafe Func<Mat, IReadOnlyList<FaceBox>> Blaze(BlazeFaceDetector detector) =>
        image => detector.DetectBgr(new ReadOnlySpan<byte>((void*)image.Data, image.Width * image.Height * 3), image.Width, image.Height);

    [Fact]
    public void BlazeFace_finds_more_true_faces_than_Haar_with_fewer_false_ones()
    {
        using var haar = new OpenCvHaarDetector(new DetectorOptions());
        var haarScore = Evaluate(image => { using var gray = image.CvtColor(ColorConversionCodes.BGR2GRAY); return haar.Detect(gray); }, output, "haar");
        var network = BlazeFaceModel.Load();
        using var whole = new BlazeFaceDetector(BackendFactory.Create("cpu", network, 8), new DetectorOptions());
        var blazeScore = Evaluate(Blaze(whole), output, "blazeface");
        using var tiled = new BlazeFaceDetector(BackendFactory.Create("cpu", network, 8), new DetectorOptions { Tiles = 2 });
        var tiledScore = Evaluate(Blaze(tiled), output, "blazeface --tiles 2");

        // Measured (2026-12-02), 24 true faces: Haar 16 found, 8 missed, 21 false; BlazeFace 24, 0, 2
        // (the cat and the cup); tiled 24, 0, 3 (one more on sample1's dark clothes).
        Assert.InRange(haarScore.Found, 15, 17);
        Assert.InRange(haarScore.False, 20, 22);
        Assert.True(blazeScore.Found >= 23 && blazeScore.False <= 3, $"blazeface {blazeScore}");
        Assert.True(tiledScore.Found >= 23 && tiledScore.False <= 4, $"tiled {tiledScore}");
        Assert.True(blazeScore.Found >= haarScore.Found && blazeScore.False < haarScore.False);
    }
}
