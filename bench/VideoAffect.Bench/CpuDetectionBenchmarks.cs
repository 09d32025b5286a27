using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.Simd;

namespace VideoAffect.Bench;

/// <summary>
/// Haar face detection on the CPU with the seed's settings (frontal-face cascade, scale 1.1,
/// 5 neighbours, 30 px): OpenCV's detectMultiScale (the baseline, given the same number of threads
/// through cv::setNumThreads) against our SIMD cascade, on generated frames with the astronaut's
/// face 1 or 8 times over a face-free photo, at 640x480 and 1920x1080, on one thread and on all
/// cores. One operation is one frame; Ratio &lt; 1 means faster than OpenCV. Both find the same faces
/// (the tests check every box).
/// </summary>
public class CpuDetectionBenchmarks
{
    OpenCvHaarDetector _opencv = null!;
    SimdHaarDetector _simd = null!;
    Mat _gray = null!;
    int _openCvThreads;

    [Params("640x480", "1920x1080")]
    public string Frame { get; set; } = "640x480";

    [Params(1, 8)]
    public int Faces { get; set; } = 1;

    /// <summary>1, or every core ("all" is Environment.ProcessorCount).</summary>
    [Params("1", "all")]
    public string Threads { get; set; } = "1";

    int ThreadCount => Threads == "all" ? Environment.ProcessorCount : int.Parse(Threads);

    [GlobalSetup]
    public void Setup()
    {
        var size = Frame.Split('x').Select(int.Parse).ToArray();
        _gray = BenchFrames.Faces(size[0], size[1], Faces);
        var options = new DetectorOptions();
        _openCvThreads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(ThreadCount);
        _opencv = new OpenCvHaarDetector(options);
        _simd = new SimdHaarDetector(options, ThreadCount);
        int a = _opencv.Detect(_gray).Count, b = _simd.Detect(_gray).Count;
        if (a != b) throw new InvalidOperationException($"OpenCV found {a} faces, ours {b}");
        Console.WriteLine($"// {Frame}, {Faces} face(s): {a} found by both");
    }

    [Benchmark(Baseline = true)]
    public int OpenCv() => _opencv.Detect(_gray).Count;

    [Benchmark]
    public int Simd() => _simd.Detect(_gray).Count;

    [GlobalCleanup]
    public void Cleanup()
    {
        Cv2.SetNumThreads(_openCvThreads);
        _opencv.Dispose(); _simd.Dispose(); _gray.Dispose();
    }
}

/// <summary>Benchmark frames made from the setup's photos: the astronaut's face tiled over a blurred, face-free background.</summary>
static class BenchFrames
{
    public static Mat Faces(int width, int height, int faces)
    {
        string data = Path.Combine(RepoRoot(), ".cache", "data");
        using var background = Cv2.ImRead(Path.Combine(data, "coffee.png"), ImreadModes.Grayscale);
        using var astronaut = Cv2.ImRead(Path.Combine(data, "astronaut.png"), ImreadModes.Grayscale);
        if (background.Empty() || astronaut.Empty()) throw new InvalidOperationException("the setup's photos are missing: run ./setup.sh");
        var canvas = background.Resize(new Size(width, height));
        Cv2.Blur(canvas, canvas, new Size(9, 9));
        int columns = faces == 1 ? 1 : 4, rows = (faces + columns - 1) / columns;
        int tile = Math.Min(width / columns, height / rows) * 3 / 4;
        using var head = new Mat(astronaut, new Rect(140, 30, 170, 170));
        using var scaled = head.Resize(new Size(tile, tile));
        for (int i = 0; i < faces; i++)
        {
            int x = (i % columns) * (width / columns) + (width / columns - tile) / 2, y = (i / columns) * (height / rows) + (height / rows - tile) / 2;
            scaled.CopyTo(canvas[new Rect(x, y, tile, tile)]);
        }
        return canvas;
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VideoAffect.sln"))) return d.FullName;
        throw new InvalidOperationException("run from inside the VideoAffect checkout");
    }
}
