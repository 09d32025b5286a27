using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.Simd;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.HaarReference;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// Our vectorised CPU cascade against OpenCV's CascadeClassifier on the same images and settings:
/// the raw candidates (minNeighbors 0) must be the same windows, in OpenCV's order, and the grouped
/// faces the same boxes, for every cascade in opencv-data, several scale factors and size limits,
/// odd image sizes and images smaller than the window; with one thread and with several.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class SimdHaarDetectorTests
{


    static void AssertSame(IReadOnlyList<FaceBox> ours, IReadOnlyList<FaceBox> theirs, string what)
    {
        var a = ours.OrderBy(b => b.Width).ThenBy(b => b.Y).ThenBy(b => b.X).ToList();
        var b = theirs.OrderBy(x => x.Width).ThenBy(x => x.Y).ThenBy(x => x.X).ToList();
        Assert.True(a.SequenceEqual(b), $"{what}: ours {a.Count}, OpenCV {b.Count}; only ours: {Describe(a.Except(b).Take(20))}; only OpenCV's: {Describe(b.Except(a).Take(20))}");
    }

    public static TheoryData<string, int, double, int, int, string> Cases() => new()
    {
        // photo, width, scale factor, min size, max size, cascade
        { "astronaut.png", 512, 1.1, 24, 0, DetectorOptions.DefaultCascadeName },
        { "astronaut.png", 333, 1.05, 24, 0, DetectorOptions.DefaultCascadeName },   // odd size, fine steps
        { "chelsea.png", 301, 1.3, 24, 0, DetectorOptions.DefaultCascadeName },
        { "faces/sample1.jpg", 640, 1.1, 30, 0, DetectorOptions.DefaultCascadeName },
        { "faces/sample3.jpg", 640, 1.1, 40, 120, DetectorOptions.DefaultCascadeName }, // a size band
        { "faces/sample5.jpg", 479, 1.05, 30, 0, DetectorOptions.DefaultCascadeName },
        { "faces/sample6.jpg", 800, 1.3, 30, 0, DetectorOptions.DefaultCascadeName },
        { "faces/sample2.jpg", 400, 1.1, 20, 0, "haarcascade_frontalface_alt2.xml" },   // two-node trees: window by window
        { "faces/sample4.jpg", 400, 1.1, 20, 0, "haarcascade_frontalface_alt.xml" },
        { "faces/sample4.jpg", 400, 1.1, 20, 0, "haarcascade_frontalface_alt_tree.xml" },
        { "faces/sample1.jpg", 500, 1.1, 20, 0, "haarcascade_profileface.xml" },
        { "faces/sample2.jpg", 500, 1.1, 16, 0, "haarcascade_eye.xml" },
        { "faces/sample2.jpg", 500, 1.1, 16, 0, "haarcascade_eye_tree_eyeglasses.xml" },
        { "camera.png", 512, 1.05, 16, 0, "haarcascade_licence_plate_rus_16stages.xml" }, // the old format, 64x16 window
        { "faces/sample5.jpg", 320, 1.1, 16, 0, "haarcascade_smile.xml" },                // tilted features
        { "faces/sample6.jpg", 400, 1.1, 20, 0, "haarcascade_upperbody.xml" },
        { "faces/sample3.jpg", 400, 1.1, 20, 0, "haarcascade_fullbody.xml" },
        { "faces/sample6.jpg", 900, 1.05, 20, 0, "haarcascade_lowerbody.xml" },
        { "chelsea.png", 400, 1.1, 20, 0, "haarcascade_frontalcatface.xml" },
        { "chelsea.png", 400, 1.1, 20, 0, "haarcascade_frontalcatface_extended.xml" },
        { "astronaut.png", 512, 1.05, 10, 0, "haarcascade_lefteye_2splits.xml" },
        { "faces/sample5.jpg", 400, 1.1, 16, 0, "haarcascade_righteye_2splits.xml" },
        { "camera.png", 512, 1.1, 16, 0, "haarcascade_russian_plate_number.xml" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Candidates_and_faces_are_OpenCVs_exactly(string photo, int width, double scaleFactor, int minSize, int maxSize, string cascade)
    {
        using var gray = Gray(TestPaths.Photo(photo), width);
        var options = new DetectorOptions
        {
            ScaleFactor = scaleFactor, MinFaceSize = minSize, MaxFaceSize = maxSize,
            CascadePath = Path.Combine(DetectorOptions.SystemCascadeDirectory, cascade),
        };
        var theirs = OpenCv(gray, options, 0);
        Assert.True(theirs.Count > 0, "OpenCV finds candidates on the photo");
        var theirFaces = OpenCv(gray, options, options.MinNeighbors);
        // Every vector width this machine has (16, 8 and 4 windows, and window by window) on one
        // thread; the widest on three.
        foreach (var (threads, lanes) in new[] { (1, 16), (1, 8), (1, 4), (1, 1), (3, 16) })
        {
            using var detector = new SimdHaarDetector(options, threads, lanes);
            string what = detector.Description;
            var ours = detector.DetectCandidates(gray);
            AssertSame(ours, theirs, $"candidates, {what}");
            AssertSame(detector.Detect(gray), theirFaces, $"faces, {what}");
        }
    }

    [Fact]
    public void Every_cascade_in_opencv_data_is_covered()
    {
        var tested = Cases().Select(c => (string)c[5]).ToHashSet();
        var installed = Directory.GetFiles(DetectorOptions.SystemCascadeDirectory, "*.xml").Select(Path.GetFileName).ToList();
        Assert.NotEmpty(installed);
        Assert.DoesNotContain(installed, name => !tested.Contains(name!));
    }

    [Theory]
    [InlineData(23, 40)]   // narrower than the 24-pixel window
    [InlineData(24, 24)]   // exactly one window
    [InlineData(25, 31)]
    [InlineData(1, 1)]
    public void Tiny_images_are_handled_as_OpenCV_does(int width, int height)
    {
        using var astronaut = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Grayscale);
        using var gray = astronaut.Resize(new Size(width, height), 0, 0, InterpolationFlags.Area);
        var options = new DetectorOptions { MinFaceSize = 1 };
        using var detector = new SimdHaarDetector(options);
        AssertSame(detector.DetectCandidates(gray), OpenCv(gray, options, 0), $"{width}x{height}");
    }

    [Fact]
    public void Generated_frames_with_many_faces_give_OpenCVs_faces_frame_after_frame()
    {
        // The astronaut tiled 8 times on a 1280x720 background, moved a little per frame: buffers are reused across frames.
        using var astronaut = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Grayscale);
        using var head = new Mat(astronaut, new Rect(140, 30, 170, 170)); // her face (177, 66, 95, 95) with a margin
        using var small = head.Resize(new Size(150, 150));
        var options = new DetectorOptions();
        using var detector = new SimdHaarDetector(options, threads: 2);
        for (int frame = 0; frame < 3; frame++)
        {
            using var canvas = new Mat(720, 1280, MatType.CV_8UC1, Scalar.All(90 + frame * 10));
            for (int i = 0; i < 8; i++)
                small.CopyTo(canvas[new Rect(20 + (i % 4) * 310 + frame * 7, 60 + (i / 4) * 330 + frame * 3, 150, 150)]);
            var theirs = OpenCv(canvas, options, options.MinNeighbors);
            Assert.True(theirs.Count >= 6, $"OpenCV finds most of the faces ({theirs.Count})");
            AssertSame(detector.Detect(canvas), theirs, $"frame {frame}");
            // Flat backgrounds give many windows the stage sum the threshold was trained on: the
            // double re-sum (StageGuard) is exercised here, not only the float fast path.
            Assert.True(detector.LastFrame.Resummed > 0, "some stage sums were decided in double");
        }
    }
}
