using System.Text.Json;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// The detector around the graph: frames from many callers share forward passes yet each gets its
/// own faces, the keypoints sit where a face's parts are, and `analyze --detector blazeface`
/// writes them into the records.
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class BlazeFaceDetectorTests
{
    static readonly string[] Photos = ["astronaut.png", "faces/sample1.jpg", "camera.png", "faces/sample4.jpg"];

    static unsafe byte[] Pixels(Mat image) => new ReadOnlySpan<byte>((void*)image.Data, image.Width * image.Height * 3).ToArray();

    [Fact]
    public async Task Concurrent_callers_share_passes_and_each_gets_its_own_frame_s_faces()
    {
        var images = Photos.Select(p => Cv2.ImRead(TestPaths.Photo(p), ImreadModes.Color)).ToList();
        try
        {
            var frames = images.Select(i => (Pixels: Pixels(i), i.Width, i.Height)).ToList();
            using var alone = new BlazeFaceDetector(BackendFactory.Create("cpu", BlazeFaceModel.Load(), 1), new DetectorOptions());
            var expected = frames.Select(f => alone.DetectBgr(f.Pixels, f.Width, f.Height)).ToList();
            Assert.Equal([1, 3, 1, 4], expected.Select(e => e.Count));

            using var shared = new BlazeFaceDetector(BackendFactory.Create("cpu", BlazeFaceModel.Load(), 8), new DetectorOptions());
            const int calls = 48;
            // Callers on threads of their own, let go together: tasks on the thread pool ran one
            // after the other when the rest of the suite held the pool's threads (48 passes, seen
            // under load), which is no test of sharing. Half await, half block, as both kinds call.
            using var start = new Barrier(calls);
            var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i =>
            {
                var done = new TaskCompletionSource<(int, IReadOnlyList<DetectedFace>)>(TaskCreationOptions.RunContinuationsAsynchronously);
                new Thread(() =>
                {
                    try
                    {
                        var f = frames[i % frames.Count];
                        start.SignalAndWait();
                        var faces = i % 2 == 0 ? shared.DetectFaces(f.Pixels, f.Width, f.Height) : shared.DetectFacesAsync(f.Pixels, f.Width, f.Height).AsTask().GetAwaiter().GetResult();
                        done.SetResult((i, faces));
                    }
                    catch (Exception e) { done.SetException(e); }
                }) { IsBackground = true }.Start();
                return done.Task;
            }));
            foreach (var (i, faces) in results)
                Assert.Equal(expected[i % frames.Count], faces.Select(f => f.Box).ToList());
            var (passes, views) = shared.Counters;
            Assert.Equal(calls, views);
            Assert.True(passes < calls, $"{calls} concurrent frames took {passes} passes; they should share");
        }
        finally { foreach (var i in images) i.Dispose(); }
    }

    [Fact]
    public unsafe void The_keypoints_sit_on_the_face_in_MediaPipe_s_order()
    {
        using var image = Cv2.ImRead(TestPaths.Photo("astronaut.png"), ImreadModes.Color);
        using var detector = new BlazeFaceDetector(BackendFactory.Create("cpu", BlazeFaceModel.Load(), 1), new DetectorOptions());
        var face = Assert.Single(detector.DetectFaces(Pixels(image), image.Width, image.Height));
        var p = face.Landmarks;
        Assert.Equal(6, p.Count);
        var b = face.Box;
        foreach (var point in p.Take(4)) // eyes, nose and mouth lie inside the box
            Assert.True(point.X > b.X && point.X < b.Right && point.Y > b.Y && point.Y < b.Bottom, $"{point} outside {b}");
        Assert.True(p[0].X < p[1].X, "the subject's right eye is on the image's left");
        Assert.InRange(p[2].X, p[0].X, p[1].X);      // the nose between the eyes
        Assert.True(p[3].Y > p[2].Y && p[2].Y > Math.Max(p[0].Y, p[1].Y) - 2, "eyes, then nose, then mouth, top to bottom");
        Assert.True(p[4].X < p[0].X && p[5].X > p[1].X, "the ears outside the eyes");
        Assert.True(face.Score > 0.8f);
    }

    [Fact]
    public void Analyze_with_blazeface_records_every_frame_s_face_with_its_landmarks()
    {
        using var dir = TestPaths.NewTempFolder();
        string input = Clips.MovingFace(dir.File("in.mp4"), frames: 45, audio: false);
        var r = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out.mp4"), "--detector", "blazeface", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("detector blazeface", r.StandardError + r.StandardOutput);
        var records = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(45, records.Count);
        Assert.Equal(Enumerable.Range(0, 45), records.Select(e => e.GetProperty("frame").GetInt32()));
        foreach (var record in records)
        {
            var landmarks = record.GetProperty("landmarks");
            Assert.Equal(DetectedFace.BlazeFaceLandmarkNames, landmarks.EnumerateObject().Select(p => p.Name));
            var box = record.GetProperty("box");
            var nose = landmarks.GetProperty("nose");
            Assert.InRange(nose[0].GetDouble(), box.GetProperty("x").GetInt32(), box.GetProperty("x").GetInt32() + box.GetProperty("w").GetInt32());
        }
        Assert.Equal(45, Clips.CountFrames(dir.File("out.mp4")));

        // CSV records carry them as NAME_x, NAME_y columns.
        var csv = ProcessRunner.Cli(["analyze", input, "-o", dir.File("out2.mp4"), "--events", dir.File("out2.csv"), "--detector", "blazeface", "--backend", "cpu"], timeoutSeconds: 120);
        Assert.True(csv.ExitCode == 0, csv.StandardError);
        var lines = File.ReadAllLines(dir.File("out2.csv"));
        var header = lines[0].Split(',');
        Assert.Equal(DetectedFace.BlazeFaceLandmarkNames.SelectMany(n => new[] { n + "_x", n + "_y" }), header[^12..]);
        Assert.Equal(46, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.All(l.Split(',')[^12..], v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
