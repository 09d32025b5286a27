using OpenCvSharp;

namespace VideoAffect.Detection;

/// <summary>OpenCV's CPU Haar cascade (CascadeClassifier.detectMultiScale), loaded once per instance.</summary>
internal sealed class OpenCvHaarDetector : IFaceDetector
{
    readonly CascadeClassifier _cascade;
    readonly DetectorOptions _options;

    public OpenCvHaarDetector(DetectorOptions options)
    {
        options.Validate();
        _options = options;
        options.CheckCascadeFile();
        _cascade = new CascadeClassifier();
        bool loaded;
        try { loaded = _cascade.Load(options.CascadePath); }
        catch (OpenCVException) { loaded = false; }
        if (!loaded || _cascade.Empty())
        {
            _cascade.Dispose();
            throw new VideoAffectException($"'{options.CascadePath}' is not a valid OpenCV cascade XML file");
        }
    }

    public IReadOnlyList<FaceBox> Detect(Mat gray)
    {
        var (minFace, maxFace) = _options.FaceSizes(gray.Width, gray.Height);
        var max = maxFace > 0 ? new Size(maxFace, maxFace) : (Size?)null;
        var rects = _cascade.DetectMultiScale(gray, _options.ScaleFactor, _options.MinNeighbors, default(HaarDetectionTypes),
            new Size(minFace, minFace), max);
        var faces = new FaceBox[rects.Length];
        for (int i = 0; i < rects.Length; i++)
            faces[i] = new FaceBox(rects[i].X, rects[i].Y, rects[i].Width, rects[i].Height);
        return faces;
    }

    public void Dispose() => _cascade.Dispose();
}
