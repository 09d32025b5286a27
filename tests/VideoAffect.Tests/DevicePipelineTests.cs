using System.Text.Json;
using VideoAffect.Pipeline;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests;

/// <summary>
/// `analyze`'s pipeline with its device stages (the crop kernel, the ILGPU Haar detector) on ILGPU's
/// CPU accelerator, against the host paths. In the kernel collection: the simulated threads spin
/// when descheduled, and beside the parallel phase these two took 35 s instead of 12.
/// </summary>
[Collection(KernelSimulationCollection.Name)]
public class DevicePipelineTests
{
    [Fact]
    public async Task Device_preprocessing_on_the_ilgpu_backend_gives_the_cpu_paths_faces_and_emotions()
    {
        using var dir = TestPaths.NewTempFolder();
        const int frames = 4;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, audio: false);
        async Task<List<JsonElement>> Analyze(string backend)
        {
            var options = new AnalyzeOptions
            {
                InputPath = input,
                OutputPath = dir.File($"{backend}.mp4"),
                EventsPath = dir.File($"{backend}.jsonl"),
                // four faces at batch size 3: one full batch and one cut short by the end of input
                Recognition = new() { Backend = backend, BatchSize = 3 },
            };
            var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);
            Assert.True(summary.Complete, summary.Error);
            return File.ReadAllLines(options.EventsPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        }

        // ilgpu-cpu cuts faces from the uploaded frames with the crop kernel; cpu cuts them with OpenCV.
        var host = await Analyze("cpu");
        var device = await Analyze("ilgpu-cpu");
        Assert.Equal(frames, host.Count);
        Assert.Equal(host.Count, device.Count);
        for (int i = 0; i < host.Count; i++)
        {
            Assert.Equal(host[i].GetProperty("box").ToString(), device[i].GetProperty("box").ToString());
            Assert.Equal(host[i].GetProperty("label").GetString(), device[i].GetProperty("label").GetString());
            foreach (var p in host[i].GetProperty("probabilities").EnumerateObject())
            {
                double other = device[i].GetProperty("probabilities").GetProperty(p.Name).GetDouble();
                // Preprocessing differs by at most a gray level per pixel (see FaceCropKernelTests).
                Assert.True(Math.Abs(p.Value.GetDouble() - other) <= 0.02, $"frame {i} {p.Name}: cpu {p.Value.GetDouble():F4}, ilgpu-cpu {other:F4}");
            }
        }
    }

    [Fact]
    public async Task The_ilgpu_detector_gives_the_opencv_detectors_boxes_in_the_pipeline()
    {
        using var dir = TestPaths.NewTempFolder();
        const int frames = 3;
        string input = Clips.MovingFace(dir.File("in.mp4"), frames, width: 320, height: 240, audio: false);
        async Task<List<string>> Boxes(string detector, string backend = "cpu")
        {
            var options = new AnalyzeOptions
            {
                InputPath = input,
                OutputPath = dir.File($"{detector}-{backend}.mp4"),
                EventsPath = dir.File($"{detector}-{backend}.jsonl"),
                Recognition = new() { Backend = backend, DetectorKind = detector },
            };
            var summary = await new VideoAnalyzer(options).RunAsync(CancellationToken.None);
            Assert.True(summary.Complete, summary.Error);
            Assert.Equal(frames, summary.FramesWritten);
            return File.ReadAllLines(options.EventsPath).Select(l => JsonDocument.Parse(l).RootElement)
                .Select(r => $"{r.GetProperty("frame")}:{r.GetProperty("box")}").ToList();
        }

        var opencv = await Boxes("opencv");
        Assert.Equal(frames, opencv.Count);
        Assert.Equal(opencv, await Boxes("ilgpu"));
        // All on the device: the detector takes the BGR frame and makes its own grayscale image,
        // the classifier cuts the faces from the same frame; the host never makes a gray copy.
        Assert.Equal(opencv, await Boxes("ilgpu", "ilgpu-cpu"));
    }
}
