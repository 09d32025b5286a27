using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;

namespace VideoAffect.Bench;

/// <summary>
/// Haar face detection (the seed's settings: frontal-face cascade, scale 1.1, 5 neighbours, 30 px)
/// on one real group photo (face-api's sample5, six faces) resized to each frame size: OpenCV's
/// CPU cascade as the baseline against our ILGPU kernels on each usable GPU device, or on ILGPU's
/// CPU accelerator where there is none (a simulated GPU: it shows the kernels run, not their speed).
/// One operation is one frame; Ratio &lt; 1 means faster than OpenCV.
/// </summary>
public class DetectionBenchmarks
{
    OpenCvHaarDetector _opencv = null!;
    IlgpuHaarDetector _ilgpu = null!;
    Mat _gray = null!;

    [Params("640x480", "1920x1080")]
    public string Frame { get; set; } = "640x480";

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "ilgpu-cpu";

    public static IEnumerable<string> Devices()
    {
        var gpus = IlgpuRuntime.Survey().Where(r => r.Usable && r.Backend is "cuda" or "opencl").Select(r => r.Backend).Distinct().ToList();
        return gpus.Count > 0 ? gpus : ["ilgpu-cpu"];
    }

    [GlobalSetup]
    public void Setup()
    {
        var size = Frame.Split('x').Select(int.Parse).ToArray();
        string photo = Path.Combine(RepoRoot(), ".cache", "data", "faces", "sample5.jpg");
        using var color = Cv2.ImRead(photo, ImreadModes.Color);
        if (color.Empty()) throw new InvalidOperationException($"cannot read {photo}: run ./setup.sh");
        using var scaled = color.Resize(new Size(size[0], size[1]), 0, 0, InterpolationFlags.Area);
        _gray = scaled.CvtColor(ColorConversionCodes.BGR2GRAY);
        var options = new DetectorOptions();
        _opencv = new OpenCvHaarDetector(options);
        _ilgpu = new IlgpuHaarDetector(options, Accelerator(Device));
    }

    static ILGPU.Runtime.Accelerator Accelerator(string device)
    {
        if (device == "ilgpu-cpu") return IlgpuRuntime.CreateCpuAccelerator();
        var type = device == "cuda" ? ILGPU.Runtime.AcceleratorType.Cuda : ILGPU.Runtime.AcceleratorType.OpenCL;
        foreach (var candidate in IlgpuRuntime.Devices(type))
        {
            try { return IlgpuRuntime.CreateVerified(candidate); }
            catch (Exception) { } // unusable: try the next one
        }
        throw new InvalidOperationException($"no usable {device} device");
    }

    [Benchmark(Baseline = true)]
    public int OpenCv() => _opencv.Detect(_gray).Count;

    [Benchmark]
    public int Ilgpu() => _ilgpu.Detect(_gray).Count;

    [GlobalCleanup]
    public void Cleanup() { _opencv.Dispose(); _ilgpu.Dispose(); _gray.Dispose(); }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VideoAffect.sln"))) return d.FullName;
        throw new InvalidOperationException("run from inside the VideoAffect checkout");
    }
}
