using OpenCvSharp;
using VideoAffect.Inference;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// Faces with BlazeFace on one of our inference backends: each frame letterboxed to the model's
/// 256x256 input, one forward pass for a batch of frames, the outputs decoded and merged as
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

    /// <summary>Faces with scores and keypoints, for each frame, in one forward pass per backend batch.</summary>
    public IReadOnlyList<DetectedFace>[] DetectFaces(IReadOnlyList<(ReadOnlyMemory<byte> Bgr, int Width, int Height)> frames)
    {
        var boxes = new Letterbox[frames.Count];
        Reserve(frames.Count);
        for (int i = 0; i < frames.Count; i++) boxes[i] = Place(i, frames[i].Bgr.Span, frames[i].Width, frames[i].Height);
        return RunAndDecode(boxes);
    }

    public IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height)
    {
        Reserve(1);
        return RunAndDecode([Place(0, bgr, width, height)])[0];
    }

    void Reserve(int count)
    {
        var network = _backend.Network;
        if (_input.Length >= count * network.InputShape.Size) return;
        _input = new float[count * network.InputShape.Size];
        _outputs = Enumerable.Range(0, network.Outputs.Count).Select(k => new float[count * network.OutputShape(k).Size]).ToArray();
    }

    /// <summary>Letterboxes frame <paramref name="slot"/> of the batch into the input buffer.</summary>
    Letterbox Place(int slot, ReadOnlySpan<byte> bgr, int width, int height)
    {
        if (width < 1 || height < 1 || bgr.Length < (long)width * height * 3)
            throw new ArgumentException($"a {width}x{height} BGR frame needs {(long)width * height * 3} bytes, got {bgr.Length}");
        var spec = _backend.Network.Input;
        return _letterbox.Fill(bgr, width, height, spec, _input.AsSpan(slot * spec.Shape.Size, spec.Shape.Size));
    }

    IReadOnlyList<DetectedFace>[] RunAndDecode(Letterbox[] boxes)
    {
        int count = boxes.Length;
        _backend.Run(_input.AsSpan(0, count * _backend.Network.InputShape.Size), count, _outputs);
        var faces = new IReadOnlyList<DetectedFace>[count];
        for (int i = 0; i < count; i++)
            faces[i] = _decoder.Decode(_outputs, i, boxes[i]).Where(f => Wanted(f.Box)).ToList();
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
