using VideoAffect.Detection;
using VideoAffect.Detection.Simd;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Support.HaarReference;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// `--min-face 5%` and `--max-face 30%`: face sizes as a percentage of each frame's shorter side.
/// Each detector must find what OpenCV finds with the pixel sizes those percentages come to on
/// that frame (worked out here, by hand), and the CLI must give the records of a run given those pixels.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class FaceSizePercentTests
{
    [Fact]
    public void A_percentage_comes_to_pixels_of_the_frames_shorter_side()
    {
        var options = new DetectorOptions { MinFacePercent = 5, MaxFacePercent = 40 };
        Assert.Equal((24, 192), options.FaceSizes(640, 480));
        Assert.Equal((108, 864), options.FaceSizes(3840, 2160));
        Assert.Equal((54, 432), options.FaceSizes(1080, 1920)); // a phone's portrait video: its width
        Assert.Equal((12, 30), new DetectorOptions { MinFacePercent = 2.5, MaxFaceSize = 30 }.FaceSizes(640, 479)); // 11.975 rounds to 12; pixels stay pixels
        Assert.Equal((1, 0), new DetectorOptions { MinFacePercent = 0.1 }.FaceSizes(100, 100)); // never below one pixel
        Assert.Equal((30, 0), new DetectorOptions().FaceSizes(3840, 2160)); // the seed's 30 px by default

        Assert.Equal("30-any px", new DetectorOptions().DescribeFaceSizes(640, 480));
        Assert.Equal("5%-40% of the shorter side: 108-864 px", options.DescribeFaceSizes(3840, 2160));

        options.Validate();
        foreach (var bad in new[] { new DetectorOptions { MinFacePercent = 101 }, new DetectorOptions { MaxFacePercent = -1 },
                     new DetectorOptions { MinFacePercent = 20, MaxFacePercent = 10 }, new DetectorOptions { MinFacePercent = double.NaN } })
            Assert.Throws<VideoAffectException>(bad.Validate);
    }

    public static TheoryData<string, int, double, double, bool> Cases() => new()
    {
        // photo, width, min %, max % (0: none), also on ILGPU's CPU accelerator (exact but slow: once)
        { "faces/sample3.jpg", 480, 8, 0, false },
        { "faces/sample3.jpg", 960, 8, 0, false },  // the same picture twice the size: the same faces
        { "faces/sample1.jpg", 640, 4, 12, false },
        { "astronaut.png", 333, 20, 0, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_detector_finds_what_OpenCV_finds_with_the_pixels_a_percentage_comes_to(string photo, int width, double minPercent, double maxPercent, bool ilgpuToo)
    {
        using var gray = Gray(TestPaths.Photo(photo), width);
        var percent = new DetectorOptions { MinFacePercent = minPercent, MaxFacePercent = maxPercent };
        int shorter = Math.Min(gray.Width, gray.Height);
        var pixels = new DetectorOptions
        {
            MinFaceSize = (int)Math.Round(minPercent * shorter / 100),
            MaxFaceSize = maxPercent > 0 ? (int)Math.Round(maxPercent * shorter / 100) : 0,
        };
        var expected = Sorted(OpenCv(gray, pixels, pixels.MinNeighbors));
        var candidates = Sorted(OpenCv(gray, pixels, 0));
        Assert.NotEmpty(expected);
        // Other windows than the default 30 px gives, or the test could not tell a percentage from it.
        Assert.NotEqual(OpenCv(gray, new DetectorOptions(), 0).Count, candidates.Count);

        using (var simd = new SimdHaarDetector(percent))
        {
            Assert.Equal(Describe(candidates), Describe(Sorted(simd.DetectCandidates(gray))));
            Assert.Equal(Describe(expected), Describe(Sorted(simd.Detect(gray))));
        }
        if (ilgpuToo)
        {
            using var ilgpu = new IlgpuHaarDetector(percent, IlgpuRuntime.CreateCpuAccelerator());
            Assert.Equal(Describe(candidates), Describe(Sorted(ilgpu.DetectCandidates(gray))));
            Assert.Equal(Describe(expected), Describe(Sorted(ilgpu.Detect(gray))));
        }
        using (var openCv = new OpenCvHaarDetector(percent))
            Assert.Equal(Describe(expected), Describe(Sorted(openCv.Detect(gray))));
    }

    [Fact]
    public void The_CLI_gives_the_records_of_the_pixels_a_percentage_comes_to_for_Haar_and_BlazeFace()
    {
        using var dir = TestPaths.NewTempFolder();
        // 480x360: 12% of 360 is 43.2 px, 14% 50.4 px; the face is found at 52 to 56 px.
        string clip = Clips.MovingFace(dir.File("clip.mp4"), frames: 8, fps: 10, audio: false);
        string Records(string name, params string[] options)
        {
            var run = ProcessRunner.Cli(["analyze", clip, "-o", "/dev/null", "--events", dir.File(name + ".jsonl"), "--summary", "/dev/null", "--backend", "cpu", .. options], timeoutSeconds: 90);
            Assert.True(run.ExitCode == 0, run.StandardError);
            return File.ReadAllText(dir.File(name + ".jsonl"));
        }
        foreach (string detector in new[] { "simd", "blazeface" })
        {
            // The Haar run also writes a report, whose facts give the percentage and the pixels it came to.
            string[] report = detector == "simd" ? ["--report", dir.File("r.html")] : [];
            string byPercent = Records(detector + "-percent", ["--detector", detector, "--min-face", "12%", .. report]);
            Assert.NotEmpty(byPercent);
            Assert.Equal(Records(detector + "-pixels", "--detector", detector, "--min-face", "43"), byPercent);
            if (detector != "simd") continue;
            // A band below the face: the records of the same band in pixels, not those without it.
            string band = Records(detector + "-band", "--detector", detector, "--min-face", "12%", "--max-face", "14%");
            Assert.Equal(Records(detector + "-band-pixels", "--detector", detector, "--min-face", "43", "--max-face", "50"), band);
            Assert.NotEqual(byPercent, band);
        }
        Assert.Contains("faces 12%-any of the shorter side: 43-any px", File.ReadAllText(dir.File("r.html")));
    }
}
