using OpenCvSharp;
using VideoAffect.Inference;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// Faces with BlazeFace on one of our inference backends: each frame letterboxed to the model's
/// 256x256 input (and, with tiles, its overlapping tiles too), one forward pass for a batch of frames, the outputs decoded and merged as
/// MediaPipe does. Faces outside the options' size range, and boxes cut to nothing by the frame's
/// edge, are dropped. An instance is used by one thread at a time.
/// </summary>
public sealed class BlazeFaceDetector : ILandmarkFaceDetector
{
    readonly IInferenceBackend _backend;
    readonly bool _ownsBackend;
    readonly DetectorOptions _options;
    readonly BlazeFaceDecoder _decoder;
    readonly LetterboxImage _letterbox = new();
    readonly Mat _bgr = new();
    float[] _input = [];
    float[][] _outputs = [];

    public BlazeFaceDetector(IInferenceBackend backend, DetectorOptions options, bool ownsBackend = true)
    {
        options.Validate();
        _backend = backend;
        _ownsBackend = ownsBackend;
        _options = options;
        _decoder = new BlazeFaceDecoder(backend.Network, options.ScoreThreshold, options.NmsIou);
    }

    public string Description => $"blazeface ({_backend.Name}: {_backend.DeviceName})";

    /// <summary>Faces with scores and keypoints, for each frame, in one forward pass per backend batch (every view of every frame).</summary>
    public IReadOnlyList<DetectedFace>[] DetectFaces(IReadOnlyList<(ReadOnlyMemory<byte> Bgr, int Width, int Height)> frames)
    {
        var views = frames.Select(f => Tiling.Views(f.Width, f.Height, _options.Tiles, _backend.Network.InputShape.Height)).ToList();
        Reserve(views.Sum(v => v.Count));
        var placed = new List<(int Frame, Letterbox View)>();
        for (int i = 0; i < frames.Count; i++)
            foreach (var region in views[i])
                placed.Add((i, Place(placed.Count, frames[i].Bgr.Span, frames[i].Width, frames[i].Height, region)));
        return RunAndDecode(placed, frames.Select(f => (f.Width, f.Height)).ToList());
    }

    public IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height)
    {
        var views = Tiling.Views(width, height, _options.Tiles, _backend.Network.InputShape.Height);
        Reserve(views.Count);
        var placed = new List<(int Frame, Letterbox View)>(views.Count);
        foreach (var region in views) placed.Add((0, Place(placed.Count, bgr, width, height, region)));
        return RunAndDecode(placed, [(width, height)])[0];
    }

    void Reserve(int count)
    {
        var network = _backend.Network;
        if (_input.Length >= count * network.InputShape.Size) return;
        _input = new float[count * network.InputShape.Size];
        _outputs = Enumerable.Range(0, network.Outputs.Count).Select(k => new float[count * network.OutputShape(k).Size]).ToArray();
    }

    /// <summary>Letterboxes one view of a frame into slot <paramref name="slot"/> of the batch.</summary>
    Letterbox Place(int slot, ReadOnlySpan<byte> bgr, int width, int height, Rect region)
    {
        if (width < 1 || height < 1 || bgr.Length < (long)width * height * 3)
            throw new ArgumentException($"a {width}x{height} BGR frame needs {(long)width * height * 3} bytes, got {bgr.Length}");
        var spec = _backend.Network.Input;
        return _letterbox.Fill(bgr, width, height, region, spec, _input.AsSpan(slot * spec.Shape.Size, spec.Shape.Size));
    }

    IReadOnlyList<DetectedFace>[] RunAndDecode(List<(int Frame, Letterbox View)> placed, IReadOnlyList<(int Width, int Height)> frames)
    {
        _backend.Run(_input.AsSpan(0, placed.Count * _backend.Network.InputShape.Size), placed.Count, _outputs);
        var faces = new IReadOnlyList<DetectedFace>[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            var views = placed.Select((p, item) => (Item: item, p.View, p.Frame)).Where(p => p.Frame == i).Select(p => (p.Item, p.View));
            faces[i] = _decoder.Decode(_outputs, views, frames[i].Width, frames[i].Height).Where(f => Wanted(f.Box)).ToList();
        }
        return faces;
    }

    bool Wanted(FaceBox box) =>
        box.Width > 0 && box.Height > 0 && Math.Max(box.Width, box.Height) >= _options.MinFaceSize
        && (_options.MaxFaceSize == 0 || Math.Max(box.Width, box.Height) <= _options.MaxFaceSize);

    public IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height) =>
        DetectFaces(bgr, width, height).Select(f => f.Box).ToList();

    /// <summary>A gray frame (a caller without colour) is given three equal channels.</summary>
    public unsafe IReadOnlyList<FaceBox> Detect(Mat gray)
    {
        Cv2.CvtColor(gray, _bgr, ColorConversionCodes.GRAY2BGR);
        return DetectBgr(new ReadOnlySpan<byte>((void*)_bgr.Data, gray.Width * gray.Height * 3), gray.Width, gray.Height);
    }

    public void Dispose()
    {
        _letterbox.Dispose();
        _bgr.Dispose();
        if (_ownsBackend) _backend.Dispose();
    }
}
