using System.Threading.Channels;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Media;
using VideoAffect.Model;
using VideoAffect.Pipeline;
using VideoAffect.Preprocessing;

namespace VideoAffect.Tests;

/// <summary>The detect stage's parallel workers: order kept, every frame accounted for, failures contained.</summary>
public class DetectStageTests
{
    /// <summary>Finds one face at a position derived from the frame's first pixel; slow on some frames to shuffle completion order.</summary>
    sealed class ScriptedDetector(int failOnValue = -1) : IFaceDetector
    {
        public IReadOnlyList<FaceBox> Detect(Mat gray)
        {
            int value = gray.At<byte>(0, 0);
            if (value == failOnValue) throw new InvalidOperationException($"detector failed on frame value {value}");
            if (value % 3 == 0) Thread.Sleep(15);
            return [new FaceBox(value % 20, 0, 16, 16)];
        }

        public void Dispose() { }
    }

    static async Task<(List<VideoFrame> Out, Exception? Error)> Run(IReadOnlyList<IFaceDetector> detectors, int frames)
    {
        var pool = new FrameBufferPool(32 * 32 * 3);
        var input = Channel.CreateBounded<VideoFrame>(2);
        var output = Channel.CreateUnbounded<VideoFrame>();
        using var preprocessor = new FacePreprocessor(new TensorShape(8, 8, 1));
        var stage = new DetectStage(detectors, preprocessor, 64);
        var running = stage.RunAsync(input.Reader, output.Writer, CancellationToken.None);
        for (int i = 0; i < frames; i++)
        {
            var frame = new VideoFrame(i, i / 30.0, 32, 32, pool);
            frame.Pixels.AsSpan(0, frame.ByteCount).Fill((byte)i); // gray value == frame index
            // A failed stage stops reading: stop feeding it then, as the decoder would be stopped.
            var room = input.Writer.WaitToWriteAsync().AsTask();
            if (await Task.WhenAny(room, running) == running || !input.Writer.TryWrite(frame)) { frame.Dispose(); break; }
        }
        input.Writer.TryComplete();
        Exception? error = null;
        try { await running; } catch (Exception e) { error = e; }
        var result = new List<VideoFrame>();
        while (output.Reader.TryRead(out var f)) result.Add(f);
        return (result, error);
    }

    [Fact]
    public async Task Frames_leave_in_order_with_their_own_detections()
    {
        var (frames, error) = await Run([new ScriptedDetector(), new ScriptedDetector()], 40);
        Assert.Null(error);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), frames.Select(f => f.Index));
        Assert.All(frames, f => Assert.Equal((int)(f.Index % 20), Assert.Single(f.Faces).Box.X));
        foreach (var f in frames) f.Dispose();
    }

    [Fact]
    public async Task A_detector_failure_fails_the_stage_cleanly_after_the_frames_before_it()
    {
        var (frames, error) = await Run([new ScriptedDetector(failOnValue: 17), new ScriptedDetector(failOnValue: 17)], 60);
        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal(Enumerable.Range(0, 17).Select(i => (long)i), frames.Select(f => f.Index));
        foreach (var f in frames) f.Dispose();
    }

    /// <summary>A face that jumps between two far places every 5 frames: a new track each time, the old one ended.</summary>
    sealed class JumpingFace : IFaceDetector
    {
        public IReadOnlyList<FaceBox> Detect(Mat gray)
        {
            int index = gray.At<byte>(0, 0) | gray.At<byte>(0, 1) << 8;
            return [new FaceBox(index / 5 % 2 == 0 ? 0 : 40, 20, 16, 16)];
        }

        public void Dispose() { }
    }

    [Fact]
    public async Task Ended_tracks_are_forgotten_so_a_live_stream_does_not_grow()
    {
        // With --classify-every, the stage remembers which tracks were classified once; a camera
        // watched for months sees tracks without end, so ended ones must be let go (every 256 frames).
        var pool = new FrameBufferPool(64 * 64 * 3);
        var input = Channel.CreateUnbounded<VideoFrame>();
        var output = Channel.CreateUnbounded<VideoFrame>();
        using var preprocessor = new FacePreprocessor(new TensorShape(8, 8, 1));
        var stage = new DetectStage([new JumpingFace()], preprocessor, 64, new Tracking.IouTracker(new Tracking.TrackerOptions()), detectEvery: 1, classifyEvery: 3);
        const int frames = 1025; // the last one is a multiple of 256
        for (int i = 0; i < frames; i++)
        {
            var frame = new VideoFrame(i, i / 30.0, 64, 64, pool);
            var gray = frame.Pixels.AsSpan(0, frame.ByteCount);
            gray.Clear();
            // The frame index in the first two gray pixels (equal channels keep the gray values).
            gray[..3].Fill((byte)i);
            gray[3..6].Fill((byte)(i >> 8));
            input.Writer.TryWrite(frame);
        }
        input.Writer.TryComplete();
        await stage.RunAsync(input.Reader, output.Writer, CancellationToken.None);
        var tracks = new HashSet<int>();
        while (output.Reader.TryRead(out var f))
        {
            foreach (var face in f.Faces) if (face.TrackId > 0) tracks.Add(face.TrackId);
            f.Dispose();
        }
        Assert.True(tracks.Count >= 200, $"{tracks.Count} tracks");
        Assert.True(stage.RememberedTracks <= 2, $"{stage.RememberedTracks} tracks still remembered of {tracks.Count}");
    }
}
