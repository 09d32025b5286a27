using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using VideoAffect.Detection;

namespace VideoAffect.Bench;

/// <summary>OpenCV's Haar cascade (the seed's detector settings) on one frame of the sample clip, per frame size.</summary>
public class DetectionBenchmarks
{
    OpenCvHaarDetector _detector = null!;
    Mat _gray = null!;

    [Params(640, 1920)]
    public int Width { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string sample = Path.Combine(RepoRoot(), ".cache", "samples", "sample.mp4");
        using var capture = new VideoCapture(sample);
        using var frame = new Mat();
        if (!capture.Read(frame)) throw new InvalidOperationException($"cannot read {sample}: run ./setup.sh");
        using var scaled = frame.Resize(new Size(Width, Width * 3 / 4));
        _gray = scaled.CvtColor(ColorConversionCodes.BGR2GRAY);
        _detector = new OpenCvHaarDetector(new DetectorOptions());
    }

    [Benchmark]
    public int Detect() => _detector.Detect(_gray).Count;

    [GlobalCleanup]
    public void Cleanup() { _detector.Dispose(); _gray.Dispose(); }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VideoAffect.sln"))) return d.FullName;
        throw new InvalidOperationException("run from inside the VideoAffect checkout");
    }
}
