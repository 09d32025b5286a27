using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Preprocessing;

namespace VideoAffect.Classification;

/// <summary>Emotion of the faces in still images: detect (or take the whole image), preprocess, one batched forward pass.</summary>
/// <param name="backend">The classifier's backend (its network gives the input size and labels).</param>
/// <param name="detector">Finds the faces; null classifies the whole image as one face.</param>
/// <param name="cropMargin">Widen each face box by this fraction on every side before cropping.</param>
/// <param name="maxPixels">larger images are refused before they are decoded (a 400-megapixel PNG takes ~13 GB to process)</param>
public sealed class ImageClassifier(IInferenceBackend backend, IFaceDetector? detector, double cropMargin = 0, long maxPixels = ImageClassifier.DefaultMaxPixels) : IDisposable
{
    /// <summary>100 megapixels: the largest camera photos, at ~3 GB of working memory.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    readonly FacePreprocessor _preprocessor = new(backend.Network.Input, cropMargin);

    /// <summary>One image's faces with their predictions, largest first as the detector ordered them.</summary>
    /// <param name="Path">The image file.</param>
    /// <param name="Width">Image width in pixels.</param>
    /// <param name="Height">Image height in pixels.</param>
    /// <param name="Faces">Each face's box in image pixels and its prediction.</param>
    public sealed record Result(string Path, int Width, int Height, IReadOnlyList<(FaceBox Box, EmotionPrediction Prediction)> Faces)
    {
        /// <summary>
        /// What the image's decoder complained of while decoding it (a JPEG's "Corrupt JPEG data: 41
        /// extraneous bytes before marker 0xd9"), null when it said nothing: the image may be damaged
        /// where the faces were looked for.
        /// </summary>
        public string? DecodeWarning { get; init; }
    }

    /// <summary>Reads the image (refusing folders, missing, damaged or oversized files with one-line <see cref="VideoAffectException"/>s), finds its faces (or takes the whole image without a detector) and classifies each.</summary>
    public Result Classify(string path)
    {
        if (Directory.Exists(path)) throw new VideoAffectException($"'{path}' is a folder, not an image");
        if (!File.Exists(path)) throw new VideoAffectException($"image '{path}' does not exist");
        if (StillImage.ReadSize(path) is var (w, h) && (long)w * h > maxPixels)
            throw new VideoAffectException($"'{path}' is {w}x{h} ({(long)w * h / 1e6:0.#} megapixels), above the limit of {maxPixels / 1e6:0.#}; raise it with --max-megapixels");
        if (ImageHeader.JpegDamage(path) is { } jpegDamage) throw new VideoAffectException($"'{path}' is a damaged JPEG: {jpegDamage}");
        using var image = StillImage.Read(path, out string? warning);
        using var gray = image.CvtColor(ColorConversionCodes.BGR2GRAY);
        var boxes = detector is null ? [new FaceBox(0, 0, gray.Width, gray.Height)] : detector.Detect(gray);
        var network = backend.Network;
        int size = network.InputShape.Size;
        var input = new float[boxes.Count * size];
        var source = _preprocessor.TakesColour ? image : gray;
        for (int i = 0; i < boxes.Count; i++)
        {
            if (detector is null) _preprocessor.PrepareWhole(source, input.AsSpan(i * size, size));
            else _preprocessor.Prepare(source, boxes[i], input.AsSpan(i * size, size));
        }
        var probabilities = new float[boxes.Count * network.ClassCount];
        backend.Run(input, boxes.Count, probabilities);
        var faces = boxes.Select((b, i) => (b, new EmotionPrediction(network.Labels, probabilities.AsSpan(i * network.ClassCount, network.ClassCount).ToArray()))).ToList();
        return new Result(path, image.Width, image.Height, faces) { DecodeWarning = warning };
    }

    /// <summary>Releases the preprocessing buffers; the backend and detector stay with their owner.</summary>
    public void Dispose() => _preprocessor.Dispose();
}
