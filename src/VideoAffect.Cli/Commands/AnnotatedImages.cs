using OpenCvSharp;
using VideoAffect.Classification;
using VideoAffect.Outputs;
using VideoAffect.Pipeline;

namespace VideoAffect.Cli.Commands;

/// <summary>
/// `classify --annotate FOLDER`: each image again with its faces drawn as analyze draws them on
/// video, as FOLDER/NAME.annotated.EXT. All outputs are checked (none may be an input or another
/// output) and claimed before the first image is read; each is written under its partial name and
/// renamed into place once whole, so a failed image leaves nothing and an old copy is replaced
/// only by a complete one.
/// </summary>
sealed class AnnotatedImages : IDisposable
{
    /// <summary>Formats written as they came; photos in formats that OpenCV cannot write (HEIC, AVIF, JPEG XL, camera RAWs) as JPEG, any other input (GIF, PPM, JPEG 2000, PSD, ...) as PNG.</summary>
    static readonly string[] KeptFormats = [".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"];
    static readonly string[] PhotoFormats = [".heic", ".heif", ".hif", ".avif", ".jxl", .. CameraRaw.Extensions];

    static string AnnotatedExtension(string image)
    {
        string extension = Path.GetExtension(image).ToLowerInvariant();
        return KeptFormats.Contains(extension) ? extension : PhotoFormats.Contains(extension) ? ".jpg" : ".png";
    }

    /// <summary>
    /// NAME.annotated.EXT; a camera RAW's keeps its own extension in its name (IMG_0001.CR3.annotated.jpg),
    /// as cameras write each shot as a RAW and a JPEG of one name side by side, whose copies would
    /// otherwise both be IMG_0001.annotated.jpg.
    /// </summary>
    static string AnnotatedName(string image) =>
        (CameraRaw.Extensions.Contains(Path.GetExtension(image).ToLowerInvariant()) ? Path.GetFileName(image) : Path.GetFileNameWithoutExtension(image))
        + Pipeline.FolderOutputs.Marker + AnnotatedExtension(image);

    readonly OutputSet _outputs;
    readonly Anonymization _anonymize;
    readonly Dictionary<string, OutputTarget> _byImage = [];

    AnnotatedImages(OutputSet outputs, Anonymization anonymize) => (_outputs, _anonymize) = (outputs, anonymize);

    public static AnnotatedImages Plan(string folder, IReadOnlyList<string> images, string? model, string cascade, Anonymization anonymize = Anonymization.None)
    {
        if (!Directory.Exists(folder))
            throw new VideoAffectException($"--annotate names a folder that exists (got '{folder}', which is not one); each image's annotated copy goes there under its name");
        var plan = new AnnotatedImages(new OutputSet([.. images, model, cascade]), anonymize);
        try
        {
            var byName = new Dictionary<string, string>();
            foreach (string image in images.Distinct().Where(i => !Directory.Exists(i))) // a folder left here holds no image: an error of its own
            {
                string path = Path.Combine(folder, AnnotatedName(image));
                if (!byName.TryAdd(FileFacts.Canonical(path), image))
                    throw new VideoAffectException($"'{byName[FileFacts.Canonical(path)]}' and '{image}' would both be annotated as '{path}'; annotate them into different folders");
                plan._byImage[image] = plan._outputs.Add(path, "annotated image");
            }
            plan._outputs.Claim();
            return plan;
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    /// <summary>Draws the result's faces on the image it came from and writes it into place.</summary>
    public void Write(ImageClassifier.Result result)
    {
        var target = _byImage[result.Path];
        // Read as the classifier read it (upright), so the boxes fit.
        using var image = StillImage.Read(result.Path);
        foreach (var face in result.Faces) FaceAnonymizer.Hide(image, face.Box, _anonymize);
        FrameAnnotator.Draw(image, result.Faces.Select(f => (f.Box, f.Prediction, 0)));
        bool encoded;
        byte[] bytes;
        try { encoded = Cv2.ImEncode(Path.GetExtension(target.Partial), image, out bytes); }
        catch (OpenCVException e) { throw new VideoAffectException($"cannot write {target.What} to '{target.Given}': {e.Message.Split('\n')[0]}"); }
        if (!encoded) throw new VideoAffectException($"cannot write {target.What} to '{target.Given}'");
        // The photo's colour profile, and its EXIF unless faces are hidden (PhotoMetadata says why).
        bytes = PhotoMetadata.Into(bytes, PhotoMetadata.Read(result.Path, exif: _anonymize == Anonymization.None), image.Width, image.Height);
        try { File.WriteAllBytes(target.Partial, bytes); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new VideoAffectException($"cannot write {target.What} to '{target.Given}': {e.Message}"); }
        OutputSet.Commit(target);
    }

    public void Dispose() => _outputs.Dispose();
}
