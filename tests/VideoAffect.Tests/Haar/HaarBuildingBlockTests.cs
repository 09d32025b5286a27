using ILGPU.Runtime;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.Cascade;
using VideoAffect.Inference;
using VideoAffect.Kernels.Haar;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// The detector's parts against OpenCV's own functions on random inputs: the pyramid resize against
/// cv::resize(INTER_LINEAR_EXACT) bit for bit, the integral images against cv::integral, and the
/// grouping against cv::groupRectangles.
/// </summary>
public class HaarBuildingBlockTests
{
    static Mat RandomImage(RandomData rnd, int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC1);
        mat.SetArray(rnd.Bytes(width * height));
        return mat;
    }

    [Theory]
    [InlineData(97, 61, 80, 50)]    // down by odd ratios
    [InlineData(64, 48, 32, 24)]    // exactly half: OpenCV's 2x2 average
    [InlineData(30, 20, 77, 41)]    // up
    [InlineData(640, 480, 530, 397)] // a pyramid level of a VGA frame (scale 1.21)
    [InlineData(5, 1, 3, 1)]        // one row
    public void Resize_kernel_equals_OpenCVs_linear_exact_resize(int width, int height, int toWidth, int toHeight)
    {
        var rnd = new RandomData();
        using var image = RandomImage(rnd, width, height);
        using var expected = image.Resize(new Size(toWidth, toHeight), 0, 0, InterpolationFlags.LinearExact);
        expected.GetArray(out byte[] expectedPixels);
        image.GetArray(out byte[] pixels);

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var source = accelerator.Allocate1D(pixels);
        using var columns = accelerator.Allocate1D(LinearExactResizeTaps.For(width, toWidth));
        using var rows = accelerator.Allocate1D(LinearExactResizeTaps.For(height, toHeight));
        using var output = accelerator.Allocate1D<byte>(toWidth * toHeight);
        new LinearExactResizeKernel(accelerator).Launch(accelerator.DefaultStream, source.View, width, columns.View, rows.View, output.View,
            toWidth, toHeight, LinearExactResizeTaps.IsExactHalving(width, height, toWidth, toHeight));
        accelerator.Synchronize();
        var actual = output.GetAsArray1D();
        int differing = actual.Zip(expectedPixels).Count(p => p.First != p.Second);
        Assert.True(differing == 0, $"{differing} of {actual.Length} pixels differ from OpenCV (seed {rnd.Seed})");
    }

    [Theory]
    [InlineData(37, 23)]
    [InlineData(300, 200)]
    public void Integral_images_equal_OpenCVs(int width, int height)
    {
        var rnd = new RandomData();
        using var image = RandomImage(rnd, width, height);
        using var sum = new Mat();
        using var squares = new Mat();
        Cv2.Integral(image, sum, squares, MatType.CV_32S);
        sum.GetArray(out int[] expectedSum);
        squares.GetArray(out double[] expectedSquares);
        image.GetArray(out byte[] pixels);

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var source = accelerator.Allocate1D(pixels);
        using var sumBuffer = accelerator.Allocate1D<int>((width + 1) * (height + 1));
        using var squareBuffer = accelerator.Allocate1D<int>((width + 1) * (height + 1));
        new IntegralImageKernel(accelerator).Launch(accelerator.DefaultStream, source.View, width, height, sumBuffer.View, squareBuffer.View);
        accelerator.Synchronize();
        Assert.Equal(expectedSum, sumBuffer.GetAsArray1D());
        // Our squares wrap at 32 bits as OpenCV's CV_32S ones do; compare modulo 2^32 with OpenCV's exact doubles.
        Assert.Equal(expectedSquares.Select(v => unchecked((int)(uint)(ulong)v)), squareBuffer.GetAsArray1D());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(9, 5)]
    [InlineData(40, 70)]
    [InlineData(130, 97)]
    public void Rotated_integral_image_equals_OpenCVs(int width, int height)
    {
        var rnd = new RandomData();
        using var image = RandomImage(rnd, width, height);
        using var sum = new Mat();
        using var squares = new Mat();
        using var tilted = new Mat();
        Cv2.Integral(image, sum, squares, tilted, MatType.CV_32S);
        tilted.GetArray(out int[] expected);
        image.GetArray(out byte[] pixels);

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var source = accelerator.Allocate1D(pixels);
        using var prefix = accelerator.Allocate1D<int>(width * height);
        using var rising = accelerator.Allocate1D<int>((width + 2) * (height + 1));
        using var falling = accelerator.Allocate1D<int>((width + 2) * (height + 1));
        using var output = accelerator.Allocate1D<int>((width + 1) * (height + 1));
        new TiltedIntegralKernel(accelerator).Launch(accelerator.DefaultStream, source.View, width, height, prefix.View, rising.View, falling.View, output.View);
        accelerator.Synchronize();
        var actual = output.GetAsArray1D();
        int first = Enumerable.Range(0, actual.Length).FirstOrDefault(i => actual[i] != expected[i], -1);
        Assert.True(first < 0, first < 0 ? "" : $"({first % (width + 1)}, {first / (width + 1)}): ours {actual[first]}, OpenCV {expected[first]} (seed {rnd.Seed})");
    }

    [Fact]
    public void Grouping_equals_OpenCVs_groupRectangles()
    {
        var rnd = new RandomData();
        for (int trial = 0; trial < 200; trial++)
        {
            // Clusters of jittered boxes (some nested, some lonely), as a cascade produces them.
            var boxes = new List<FaceBox>();
            int clusters = rnd.Int(1, 6);
            for (int c = 0; c < clusters; c++)
            {
                int size = rnd.Int(20, 120), x = rnd.Int(0, 400), y = rnd.Int(0, 300), members = rnd.Int(1, 9);
                for (int m = 0; m < members; m++)
                {
                    int s = size + rnd.Int(-size / 8, size / 8 + 1);
                    boxes.Add(new FaceBox(x + rnd.Int(-size / 10, size / 10 + 1), y + rnd.Int(-size / 10, size / 10 + 1), s, s));
                }
            }
            int minNeighbors = rnd.Int(0, 5);
            var rects = boxes.Select(b => new Rect(b.X, b.Y, b.Width, b.Height)).ToList();
            Cv2.GroupRectangles(rects, minNeighbors, 0.2);
            var expected = rects.Select(r => new FaceBox(r.X, r.Y, r.Width, r.Height)).ToList();
            var actual = RectangleGrouping.Group(boxes, minNeighbors);
            Assert.True(expected.SequenceEqual(actual),
                $"trial {trial}, minNeighbors {minNeighbors} (seed {rnd.Seed}): OpenCV {string.Join(" ", expected)}, ours {string.Join(" ", actual)}");
        }
    }
}
