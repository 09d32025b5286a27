using VideoAffect.Inference;

namespace VideoAffect.Tests.GpuKit;

/// <summary>
/// The fp32 peak the GPU kit and <c>videoaffect devices</c> report, against NVIDIA's published
/// figures for each GPU (multiprocessors and boost clock from the same data sheets). The H100 row is
/// the H200's too: the same chip, clocks and multiprocessors.
/// </summary>
public class GpuPeakTests
{
    [Theory]
    [InlineData("H100/H200 SXM", 132, 9, 0, 1980, 67.0)]
    [InlineData("A100", 108, 8, 0, 1410, 19.5)]
    [InlineData("RTX 4090", 128, 8, 9, 2520, 82.6)]
    [InlineData("RTX 3090", 82, 8, 6, 1695, 35.6)]
    [InlineData("V100 SXM2", 80, 7, 0, 1530, 15.7)]
    [InlineData("T4", 40, 7, 5, 1590, 8.1)]
    public void Fp32_peak_matches_the_data_sheet(string gpu, int multiprocessors, int major, int minor, int boostMHz, double publishedTflops)
    {
        double tflops = GpuPeak.Fp32Gflops(multiprocessors, major, minor, boostMHz) / 1000;
        Assert.True(Math.Abs(tflops - publishedTflops) <= 0.01 * publishedTflops, // the sheets round to 0.1 TFLOP/s
            $"{gpu}: {tflops:0.00} TFLOP/s, published {publishedTflops}");
    }
}
