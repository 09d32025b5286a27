using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Preprocessing;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// --align: a face turned by its eye line gives the network (almost) the input of the same face
/// upright, where the plain crop gives a turned face; and the option is refused without landmarks.
/// </summary>
public class AlignmentTests
{
    [Theory]
    [InlineData(25.0)]
    [InlineData(-40.0)]
    public unsafe void An_aligned_crop_of_a_turned_face_matches_the_upright_one(double degrees)
    {
        using var image = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        using var detector = new BlazeFaceDetector(BackendFactory.Create("cpu", BlazeFaceModel.Load(), 1), new DetectorOptions());
        using var preprocessor = new FacePreprocessor(new TensorShape(64, 64, 1));
        var upright = Assert.Single(detector.DetectFaces(new ReadOnlySpan<byte>((void*)image.Data, image.Width * image.Height * 3), image.Width, image.Height));
        using var gray = image.CvtColor(ColorConversionCodes.BGR2GRAY);
        var reference = new float[64 * 64];
        preprocessor.PrepareAligned(gray, upright.Box, upright.Landmarks[0].ToPoint2f(), upright.Landmarks[1].ToPoint2f(), reference);

        // The same photo turned about the face's centre: the box stays, the eyes turn with the face.
        var centre = new Point2f(upright.Box.X + upright.Box.Width / 2f, upright.Box.Y + upright.Box.Height / 2f);
        using var turn = Cv2.GetRotationMatrix2D(centre, degrees, 1.0);
        using var turned = new Mat();
        Cv2.WarpAffine(gray, turned, turn, gray.Size());
        Landmark Move(Landmark p) => new((float)(turn.At<double>(0, 0) * p.X + turn.At<double>(0, 1) * p.Y + turn.At<double>(0, 2)),
            (float)(turn.At<double>(1, 0) * p.X + turn.At<double>(1, 1) * p.Y + turn.At<double>(1, 2)));
        var aligned = new float[64 * 64];
        preprocessor.PrepareAligned(turned, upright.Box, Move(upright.Landmarks[0]).ToPoint2f(), Move(upright.Landmarks[1]).ToPoint2f(), aligned);
        var plain = new float[64 * 64];
        preprocessor.Prepare(turned, upright.Box, plain);

        double Difference(float[] a) => a.Zip(reference, (x, y) => Math.Abs(x - y)).Average();
        Assert.True(Difference(aligned) < 0.06, $"aligned differs from upright by {Difference(aligned):F3} on average (of a 2.0 range)");
        Assert.True(Difference(plain) > 3 * Difference(aligned), $"plain {Difference(plain):F3} vs aligned {Difference(aligned):F3}");
    }

    [Fact]
    public void Align_without_a_landmark_detector_is_one_clear_error()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), frames: 5, audio: false);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--align"], timeoutSeconds: 60);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("videoaffect: error: --align needs eye landmarks: use --detector blazeface", r.StandardError.Trim());
        Assert.False(File.Exists(dir.File("out.mp4")));
    }
}
