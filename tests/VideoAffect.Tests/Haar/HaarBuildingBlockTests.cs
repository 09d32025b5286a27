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
/// cv::resize(INTER_LINEAR_EXACT) bit for bit, the integral images against cv::integral (several
/// levels of an atlas in each launch, as the detector runs them), and the grouping against
/// cv::groupRectangles.
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class HaarBuildingBlockTests
{
    static Mat RandomImage(RandomData rnd, int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC1);
        mat.SetArray(rnd.Bytes(width * height));
        return mat;
    }

    /// <summary>The atlas of levels of the given sizes resized from a width x height source, and their taps.</summary>
    static (PyramidAtlas Atlas, ResizeTap[] Taps) Atlas(int width, int height, params (int Width, int Height)[] levels)
    {
        var taps = new List<ResizeTap>();
        var sizes = new List<AtlasLevelSize>();
        foreach (var (w, h) in levels)
        {
            int columnTaps = taps.Count;
            taps.AddRange(LinearExactResizeTaps.For(width, w));
            taps.AddRange(LinearExactResizeTaps.For(height, h));
            sizes.Add(new AtlasLevelSize(w, h, LinearExactResizeTaps.IsExactHalving(width, height, w, h), columnTaps, columnTaps + w, 0, 0, 1));
        }
        return (new PyramidAtlas(sizes), taps.ToArray());
    }

    /// <summary>
    /// Every thread of every pass finds the level that owns it, levels with nothing to do in a pass
    /// (no window fits the smallest, none at all here in the middle one) included.
    /// </summary>
    [Fact]
    public void Each_pass_thread_finds_its_level()
    {
        var sizes = new[]
        {
            new AtlasLevelSize(50, 40, false, 0, 0, 27, 17, 2), new AtlasLevelSize(30, 30, false, 0, 0, 0, 7, 1),
            new AtlasLevelSize(26, 25, false, 0, 0, 3, 2, 1), new AtlasLevelSize(7, 9, false, 0, 0, 0, 0, 1),
        };
        var atlas = new PyramidAtlas(sizes);
        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var levels = accelerator.Allocate1D(atlas.Levels);
        var passes = new (AtlasPass Pass, Func<AtlasLevelSize, int> Count, int Total)[]
        {
            (AtlasPass.Pixels, s => s.Width * s.Height, atlas.Pixels),
            (AtlasPass.Integral, s => (s.Width + 1) * (s.Height + 1), atlas.Integral),
            (AtlasPass.IntegralRows, s => s.Height + 1, atlas.IntegralRows),
            (AtlasPass.IntegralColumns, s => s.Width + 1, atlas.IntegralColumns),
            (AtlasPass.ImageRows, s => s.Height, atlas.ImageRows),
            (AtlasPass.Diagonals, s => s.Width + s.Height + 2, atlas.Diagonals),
            (AtlasPass.Windows, s => s.Windows, atlas.Windows),
        };
        Assert.Equal(14 * 9 + 3 * 2, atlas.Windows);
        foreach (var (pass, count, total) in passes)
        {
            var owner = sizes.SelectMany((size, level) => Enumerable.Repeat(level, count(size))).ToList();
            Assert.Equal(owner.Count, total);
            for (int index = 0; index < total; index++)
                Assert.True(owner[index] == PyramidAtlas.LevelOf(levels.View, index, pass), $"{pass} thread {index}: level {owner[index]}, found {PyramidAtlas.LevelOf(levels.View, index, pass)}");
        }
    }

    [Theory]
    [InlineData(97, 61, 80, 50)]    // down by odd ratios
    [InlineData(64, 48, 32, 24)]    // exactly half: OpenCV's 2x2 average
    [InlineData(30, 20, 77, 41)]    // up
    [InlineData(640, 480, 530, 397)] // a pyramid level of a VGA frame (scale 1.21)
    [InlineData(5, 1, 3, 1)]        // one row
    public void Resize_kernel_equals_OpenCVs_linear_exact_resize(int width, int height, int toWidth, int toHeight) =>
        Pyramid_resize_equals_OpenCVs_linear_exact_resize_level_by_level(width, height, (toWidth, toHeight));

    /// <summary>Several levels in one launch, as the detector runs its pyramid: each level against its own cv::resize.</summary>
    [Fact]
    public void Resize_kernel_makes_a_whole_pyramid_in_one_launch() =>
        Pyramid_resize_equals_OpenCVs_linear_exact_resize_level_by_level(160, 120, (160, 120), (133, 100), (110, 83), (80, 60), (30, 23), (24, 24), (200, 7));

    static void Pyramid_resize_equals_OpenCVs_linear_exact_resize_level_by_level(int width, int height, params (int Width, int Height)[] levels)
    {
        var rnd = new RandomData();
        using var image = RandomImage(rnd, width, height);
        image.GetArray(out byte[] pixels);
        var (atlas, taps) = Atlas(width, height, levels);

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var source = accelerator.Allocate1D(pixels);
        using var tapBuffer = accelerator.Allocate1D(taps);
        using var levelBuffer = accelerator.Allocate1D(atlas.Levels);
        using var output = accelerator.Allocate1D<byte>(atlas.Pixels);
        new LinearExactResizeKernel(accelerator).Launch(accelerator.DefaultStream, source.View, width, tapBuffer.View, atlas, levelBuffer.View, output.View);
        accelerator.Synchronize();
        var actual = output.GetAsArray1D();
        for (int i = 0; i < levels.Length; i++)
        {
            var (w, h) = levels[i];
            using var expected = image.Resize(new Size(w, h), 0, 0, InterpolationFlags.LinearExact);
            expected.GetArray(out byte[] expectedPixels);
            int differing = actual.Skip(atlas.Levels[i].Pixels).Take(w * h).Zip(expectedPixels).Count(p => p.First != p.Second);
            Assert.True(differing == 0, $"level {i} ({w}x{h}): {differing} of {w * h} pixels differ from OpenCV (seed {rnd.Seed})");
        }
    }

    /// <summary>
    /// The integral images of several images at once (the atlas's levels), each against cv::integral;
    /// both row passes (a GPU's warp per row, the CPU accelerator's thread per row) on the CPU
    /// accelerator in its warps of 2 and in a GPU's warps of 32 (the warp pass scans a warp's pixels
    /// at a time: the 37x23 atlas has rows of 1, 19, 24 and 37 pixels, shorter and longer than a
    /// warp and not a multiple of one; 300x200 in warps of 32 took 40 s in the simulator).
    /// </summary>
    [Theory]
    [InlineData(37, 23, 2, true)]
    [InlineData(300, 200, 2, true)]
    [InlineData(37, 23, 32, true)]
    [InlineData(300, 200, 2, false)]
    public void Integral_images_equal_OpenCVs(int width, int height, int warpSize, bool warpRows)
    {
        var rnd = new RandomData();
        var sizes = new[] { (width, height), (1, 1), (width / 2 + 1, height + 3), (24, 24) };
        var images = sizes.Select(size => RandomImage(rnd, size.Item1, size.Item2)).ToList();
        var (atlas, _) = Atlas(width, height, sizes);
        var pixels = images.SelectMany(m => { m.GetArray(out byte[] p); return p; }).ToArray();

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator(maxGroupSize: 256, warpSize: warpSize);
        using var source = accelerator.Allocate1D(pixels);
        using var levelBuffer = accelerator.Allocate1D(atlas.Levels);
        using var sumBuffer = accelerator.Allocate1D<int>(atlas.Integral);
        using var squareBuffer = accelerator.Allocate1D<int>(atlas.Integral);
        new IntegralImageKernel(accelerator, warpRows).Launch(accelerator.DefaultStream, atlas, levelBuffer.View, source.View, sumBuffer.View, squareBuffer.View);
        accelerator.Synchronize();
        var sums = sumBuffer.GetAsArray1D();
        var squareSums = squareBuffer.GetAsArray1D();
        for (int i = 0; i < images.Count; i++)
        {
            using var sum = new Mat();
            using var squares = new Mat();
            Cv2.Integral(images[i], sum, squares, MatType.CV_32S);
            sum.GetArray(out int[] expectedSum);
            squares.GetArray(out double[] expectedSquares);
            Assert.Equal(expectedSum, sums.Skip(atlas.Levels[i].Integral).Take(expectedSum.Length));
            // Our squares wrap at 32 bits as OpenCV's CV_32S ones do; compare modulo 2^32 with OpenCV's exact doubles.
            Assert.Equal(expectedSquares.Select(v => unchecked((int)(uint)(ulong)v)), squareSums.Skip(atlas.Levels[i].Integral).Take(expectedSquares.Length));
        }
        images.ForEach(m => m.Dispose());
    }

    /// <summary>The rotated integral images of several images at once, each against cv::integral's tilted output.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(9, 5)]
    [InlineData(40, 70)]
    [InlineData(130, 97)]
    public void Rotated_integral_image_equals_OpenCVs(int width, int height)
    {
        var rnd = new RandomData();
        var sizes = new[] { (width, height), (3, 2), (width + 5, height / 2 + 1) };
        var images = sizes.Select(size => RandomImage(rnd, size.Item1, size.Item2)).ToList();
        var (atlas, _) = Atlas(width, height, sizes);
        var pixels = images.SelectMany(m => { m.GetArray(out byte[] p); return p; }).ToArray();

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var source = accelerator.Allocate1D(pixels);
        using var levelBuffer = accelerator.Allocate1D(atlas.Levels);
        using var prefix = accelerator.Allocate1D<int>(atlas.Pixels);
        using var rising = accelerator.Allocate1D<int>(atlas.Scratch);
        using var falling = accelerator.Allocate1D<int>(atlas.Scratch);
        using var output = accelerator.Allocate1D<int>(atlas.Integral);
        new TiltedIntegralKernel(accelerator).Launch(accelerator.DefaultStream, atlas, levelBuffer.View, source.View, prefix.View, rising.View, falling.View, output.View);
        accelerator.Synchronize();
        var all = output.GetAsArray1D();
        for (int i = 0; i < images.Count; i++)
        {
            using var sum = new Mat();
            using var squares = new Mat();
            using var tilted = new Mat();
            Cv2.Integral(images[i], sum, squares, tilted, MatType.CV_32S);
            tilted.GetArray(out int[] expected);
            var actual = all.Skip(atlas.Levels[i].Integral).Take(expected.Length).ToArray();
            int w = sizes[i].Item1;
            int first = Enumerable.Range(0, actual.Length).FirstOrDefault(k => actual[k] != expected[k], -1);
            Assert.True(first < 0, first < 0 ? "" : $"image {i}: ({first % (w + 1)}, {first / (w + 1)}): ours {actual[first]}, OpenCV {expected[first]} (seed {rnd.Seed})");
        }
        images.ForEach(m => m.Dispose());
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
