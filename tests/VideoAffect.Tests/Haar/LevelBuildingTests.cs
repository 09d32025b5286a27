using OpenCvSharp;
using VideoAffect.Detection.Cascade;
using VideoAffect.Detection.Simd;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Haar;

/// <summary>
/// The pieces the SIMD cascade builds its levels with: the resize against OpenCV's own
/// INTER_LINEAR_EXACT (and the 2x2 average for an exact halving), and the vectorised running sums
/// and parity split against their plain loops, on odd lengths around the vector widths.
/// </summary>
public class LevelBuildingTests
{
    [Theory]
    [InlineData(512, 512, 465, 465)]  // a pyramid step (1.1)
    [InlineData(640, 480, 123, 92)]   // a large factor
    [InlineData(333, 251, 332, 250)]  // barely smaller, odd sizes
    [InlineData(640, 480, 320, 240)]  // an exact halving
    [InlineData(37, 29, 24, 24)]      // narrower than one vector
    [InlineData(640, 480, 640, 361)]  // one axis unchanged
    public void Resize_is_OpenCVs_INTER_LINEAR_EXACT_to_the_bit(int sw, int sh, int w, int h)
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Grayscale);
        using var source = photo.Resize(new Size(sw, sh), 0, 0, InterpolationFlags.Area);
        using var theirs = source.Resize(new Size(w, h), 0, 0, InterpolationFlags.LinearExact);
        var bytes = new byte[sw * sh];
        source.GetArray(out byte[] packed);
        packed.CopyTo(bytes, 0);
        var ours = new byte[w * h];
        new ExactResize().Resize(bytes, sw, sh, ours, w, h, LinearExactResizeTaps.For(sw, w), LinearExactResizeTaps.For(sh, h));
        theirs.GetArray(out byte[] expected);
        int differing = ours.Zip(expected).Count(p => p.First != p.Second);
        Assert.True(differing == 0, $"{differing} of {w * h} pixels differ from OpenCV's");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(641)]
    [InlineData(1920)]
    public void Vector_running_sums_and_split_equal_the_plain_loops(int length)
    {
        var random = new Random(length);
        var pixels = new byte[length];
        random.NextBytes(pixels);
        // Long bright rows make the squared sums wrap, as OpenCV's CV_32S integral does.
        if (length == 1920) Array.Fill(pixels, (byte)255, 0, 1000);
        var (sums, squares) = (new int[length], new int[length]);
        var (plainSums, plainSquares) = (new int[length], new int[length]);
        IntegralRows.RunningSums(pixels, sums, squares);
        IntegralRows.RunningSums(pixels, plainSums, plainSquares, vector: false);
        Assert.Equal(plainSums, sums);
        Assert.Equal(plainSquares, squares);
        Assert.Equal(pixels.Sum(p => p), sums[^1]);

        int half = length / 2 + 2;
        var (evens, odds, plainEvens, plainOdds) = (new int[half], new int[half], new int[half], new int[half]);
        IntegralRows.SplitByParity(sums, evens, odds);
        IntegralRows.SplitByParity(sums, plainEvens, plainOdds, vector: false);
        Assert.Equal(plainEvens, evens);
        Assert.Equal(plainOdds, odds);
        // Column c = i + 1 of the integral row lands in plane c % 2 at c / 2.
        for (int i = 0; i < length; i++) Assert.Equal(sums[i], (i + 1) % 2 == 0 ? evens[(i + 1) / 2] : odds[(i + 1) / 2]);
    }
}
