using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.HaarReference;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// Our Haar cascade kernels on ILGPU's CPU accelerator against OpenCV's CascadeClassifier on the
/// same images and settings: the raw candidates (minNeighbors 0, before grouping) must be the same
/// windows, and the grouped faces must match box for box (IoU &gt;= 0.7 both ways) over real photos:
/// skimage's astronaut, camera, chelsea and coffee (Debian) and face-api's six group photos (npm),
/// scaled down so the simulated GPU stays quick, plus generated frames.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class HaarDetectorTests(Xunit.Abstractions.ITestOutputHelper output)
{

    static string Photo(string name) => TestPaths.Photo(name);
    static string Faces(int n) => TestPaths.Photo(Path.Combine("faces", $"sample{n}.jpg"));


    public static TheoryData<string, int, double, int, string> CandidateCases() => new()
    {
        // photo, width, scale factor, min size, cascade
        { "astronaut.png", 512, 1.1, 24, DetectorOptions.DefaultCascadeName },
        { "chelsea.png", 300, 1.1, 24, DetectorOptions.DefaultCascadeName },
        { "faces/sample1.jpg", 400, 1.1, 24, DetectorOptions.DefaultCascadeName },
        { "faces/sample4.jpg", 360, 1.25, 30, DetectorOptions.DefaultCascadeName },   // another scale step: other level sizes and rounding
        { "faces/sample2.jpg", 400, 1.1, 20, "haarcascade_frontalface_alt2.xml" },     // a cascade of two-node trees
        { "camera.png", 512, 1.05, 16, "haarcascade_licence_plate_rus_16stages.xml" }, // the old format (64x16 window), converted on load
        { "faces/sample5.jpg", 320, 1.1, 16, "haarcascade_smile.xml" },                  // tilted features: the rotated integral image
    };

    [Theory]
    [MemberData(nameof(CandidateCases))]
    public void Raw_candidates_are_OpenCVs_windows_exactly(string photo, int width, double scaleFactor, int minSize, string cascade)
    {
        var (ours, theirs) = Candidates(photo, width, scaleFactor, minSize, cascade, IlgpuRuntime.CreateCpuAccelerator());
        Assert.True(theirs.Count > 0, "OpenCV finds candidates on the photo");
        Assert.True(ours.SequenceEqual(theirs),
            $"ours {ours.Count}, OpenCV {theirs.Count}; only ours: {Describe(ours.Except(theirs).Take(20))}; only OpenCV's: {Describe(theirs.Except(ours).Take(20))}");
    }

    /// <summary>
    /// The same on the CPU accelerator shaped like an NVIDIA GPU (groups of up to 1,024 threads, as
    /// the cascade's atomic hit counter and the level lookups meet on a GPU), with plain and tilted features.
    /// </summary>
    [Theory]
    [InlineData("astronaut.png", 512, 1.1, 24, DetectorOptions.DefaultCascadeName)]
    [InlineData("faces/sample5.jpg", 320, 1.1, 16, "haarcascade_smile.xml")]
    public void Raw_candidates_in_a_GPUs_group_shapes_are_OpenCVs_windows_exactly(string photo, int width, double scaleFactor, int minSize, string cascade)
    {
        var (ours, theirs) = Candidates(photo, width, scaleFactor, minSize, cascade, IlgpuRuntime.CreateGpuShapedCpuAccelerator());
        Assert.True(theirs.Count > 0, "OpenCV finds candidates on the photo");
        Assert.True(ours.SequenceEqual(theirs),
            $"ours {ours.Count}, OpenCV {theirs.Count}; only ours: {Describe(ours.Except(theirs).Take(20))}; only OpenCV's: {Describe(theirs.Except(ours).Take(20))}");
    }

    /// <summary>
    /// The cascade's rounds split anywhere give the same windows: one launch (the whole cascade at
    /// every window), one split after the first stage, several (the rounds alternate between two
    /// lists, so three and more reuse one), and a split past the cascade's end (the last round only
    /// looks back), on the plain cascade and the tilted one; in groups of the CPU accelerator's size and a GPU's.
    /// </summary>
    [Theory]
    [InlineData("", DetectorOptions.DefaultCascadeName, false)]
    [InlineData("1", DetectorOptions.DefaultCascadeName, false)]
    [InlineData("40", DetectorOptions.DefaultCascadeName, false)]
    [InlineData("1,3,6,10", DetectorOptions.DefaultCascadeName, false)]
    [InlineData("2,5,10", DetectorOptions.DefaultCascadeName, true)]
    [InlineData("", "haarcascade_smile.xml", false)]
    [InlineData("5", "haarcascade_smile.xml", false)]
    [InlineData("1,2,4,30", "haarcascade_smile.xml", true)]
    public void Raw_candidates_are_OpenCVs_whatever_the_packing(string packAfter, string cascade, bool gpuShaped)
    {
        var schedule = packAfter.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var accelerator = gpuShaped ? IlgpuRuntime.CreateGpuShapedCpuAccelerator() : IlgpuRuntime.CreateCpuAccelerator();
        var (ours, theirs) = Candidates("faces/sample5.jpg", 320, 1.1, 16, cascade, accelerator, schedule);
        Assert.True(theirs.Count > 0, "OpenCV finds candidates on the photo");
        Assert.True(ours.SequenceEqual(theirs),
            $"packing after {packAfter}: ours {ours.Count}, OpenCV {theirs.Count}; only ours: {Describe(ours.Except(theirs).Take(20))}; only OpenCV's: {Describe(theirs.Except(ours).Take(20))}");
    }

    /// <summary>Our kernels' raw candidates on <paramref name="accelerator"/> (taken over) and OpenCV's, both sorted.</summary>
    static (List<FaceBox> Ours, List<FaceBox> Theirs) Candidates(string photo, int width, double scaleFactor, int minSize, string cascade, ILGPU.Runtime.Accelerator accelerator,
        IReadOnlyList<int>? packAfter = null)
    {
        using var gray = Gray(Photo(photo), width);
        var options = new DetectorOptions
        {
            ScaleFactor = scaleFactor, MinFaceSize = minSize,
            CascadePath = Path.Combine(DetectorOptions.SystemCascadeDirectory, cascade),
        };
        using var detector = new IlgpuHaarDetector(options, accelerator);
        if (packAfter is not null) detector.PackAfter = packAfter;
        return (Sorted(detector.DetectCandidates(gray)), Sorted(OpenCv(gray, options, 0)));
    }

    static ILGPU.Runtime.Accelerator? TryAccept(ILGPU.Runtime.Device device)
    {
        try { return IlgpuRuntime.CreateVerified(device); }
        catch (ILGPU.CapabilityNotSupportedException) { return null; } // ILGPU refuses the device itself
    }

    [SkippableTheory]
    [InlineData(ILGPU.Runtime.AcceleratorType.Cuda)]
    [InlineData(ILGPU.Runtime.AcceleratorType.OpenCL)]
    public void On_a_GPU_the_faces_are_OpenCVs(ILGPU.Runtime.AcceleratorType type)
    {
        GpuGate.RequireDevice(type == ILGPU.Runtime.AcceleratorType.Cuda ? "cuda" : "opencl");
        // A device ILGPU accepts: ours must work on it (the first one that ILGPU accepts).
        var accelerator = IlgpuRuntime.Devices(type).Select(TryAccept).First(a => a is not null);
        var options = new DetectorOptions { MinNeighbors = 3, MinFaceSize = 20 };
        using var detector = new IlgpuHaarDetector(options, accelerator!);
        foreach (var (name, width) in new[] { ("astronaut.png", 512), ("faces/sample5.jpg", 960), ("faces/sample6.jpg", 1920) })
        {
            using var gray = Gray(Photo(name), width);
            var ours = Sorted(detector.Detect(gray));
            var theirs = Sorted(OpenCv(gray, options, options.MinNeighbors));
            Assert.True(ours.SequenceEqual(theirs), $"{name} at {width}: ours {Describe(ours)}, OpenCV {Describe(theirs)}");
        }
    }

    [Fact]
    public void The_BGR_frame_path_converts_to_gray_on_the_device_as_OpenCV_does()
    {
        using var color = Cv2.ImRead(Photo("faces/sample3.jpg"), ImreadModes.Color);
        using var small = color.Resize(new Size(400, 281), 0, 0, InterpolationFlags.Area);
        using var gray = small.CvtColor(ColorConversionCodes.BGR2GRAY);
        small.GetArray(out Vec3b[] pixels);
        var bgr = System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
        var options = new DetectorOptions { MinNeighbors = 3, MinFaceSize = 20 };
        using var detector = new IlgpuHaarDetector(options, IlgpuRuntime.CreateCpuAccelerator());
        var fromBgr = Sorted(detector.DetectBgr(bgr, small.Width, small.Height));
        var theirs = Sorted(OpenCv(gray, options, options.MinNeighbors));
        Assert.True(theirs.Count >= 2, $"OpenCV finds the faces: {Describe(theirs)}");
        Assert.True(fromBgr.SequenceEqual(theirs), $"from BGR {Describe(fromBgr)}, OpenCV {Describe(theirs)}");
    }

    [Fact]
    public void Faces_match_OpenCVs_on_real_photos_and_exactly_on_the_astronaut()
    {
        var images = new List<(string Name, Mat Gray)>
        {
            ("astronaut", Gray(Photo("astronaut.png"), 512)),
            ("camera", Gray(Photo("camera.png"), 512)),
            ("chelsea", Gray(Photo("chelsea.png"), 451)),
            ("coffee", Gray(Photo("coffee.png"), 400)),
        };
        for (int n = 1; n <= 6; n++) images.Add(($"face-api sample{n}", Gray(Faces(n), 480)));
        images.Add(("generated: 3 astronauts on a gradient", GeneratedFrame()));
        var options = new DetectorOptions { MinNeighbors = 3, MinFaceSize = 20 };

        using var detector = new IlgpuHaarDetector(options, IlgpuRuntime.CreateCpuAccelerator());
        int boxes = 0, matched = 0;
        var report = new List<string>();
        foreach (var (name, gray) in images)
        {
            using (gray)
            {
                var ours = detector.Detect(gray);
                var theirs = OpenCv(gray, options, options.MinNeighbors);
                int a = theirs.Count(t => ours.Any(o => o.IntersectionOverUnion(t) >= 0.7)), b = ours.Count(o => theirs.Any(t => t.IntersectionOverUnion(o) >= 0.7));
                boxes += theirs.Count + ours.Count;
                matched += a + b;
                report.Add($"{name}: OpenCV {theirs.Count} [{Describe(theirs)}], ours {ours.Count} [{Describe(ours)}], matched {a}+{b}");
                if (name == "astronaut")
                    Assert.True(Sorted(ours).SequenceEqual(Sorted(theirs)), report[^1]);
            }
        }
        foreach (var line in report) output.WriteLine(line);
        Assert.True(boxes >= 20, $"the set should hold faces to match:\n{string.Join("\n", report)}");
        Assert.True(matched >= 0.95 * boxes, $"{matched}/{boxes} boxes matched:\n{string.Join("\n", report)}");
    }

    /// <summary>Three astronaut faces of different sizes pasted on a horizontal gradient.</summary>
    static Mat GeneratedFrame()
    {
        const int rows = 360, cols = 480;
        var frame = new Mat(rows, cols, MatType.CV_8UC1);
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                frame.Set(y, x, (byte)(40 + x * 160 / cols));
        using var astronaut = Cv2.ImRead(Photo("astronaut.png"), ImreadModes.Grayscale);
        using var face = new Mat(astronaut, new Rect(150, 20, 200, 200));
        foreach (var (x, y, size) in new[] { (10, 20, 150), (200, 40, 100), (330, 200, 130) })
        {
            using var scaled = face.Resize(new Size(size, size), 0, 0, InterpolationFlags.Area);
            scaled.CopyTo(new Mat(frame, new Rect(x, y, size, size)));
        }
        return frame;
    }
}
