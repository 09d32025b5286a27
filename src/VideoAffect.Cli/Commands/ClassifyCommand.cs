using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoAffect.Classification;
using VideoAffect.Detection;
using VideoAffect.Inference;
using VideoAffect.Model;
using VideoAffect.Records;

namespace VideoAffect.Cli.Commands;

/// <summary>`videoaffect classify IMAGE...`: the emotion of every face in still images, printed, and drawn on copies with --annotate.</summary>
static class ClassifyCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "image files (JPEG, PNG, HEIC, AVIF, WebP, TIFF, camera RAWs: DNG, CR3, NEF, ARW, ...), or folders: the images in each; - reads one image from standard input (curl -s URL | videoaffect classify -)", Arity = ArgumentArity.OneOrMore };
        var noDetect = new Option<bool>("--no-detect") { Description = "treat each whole image as one face (for pre-cropped faces)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object per image (with \"error\" for an image that could not be read)" };
        var annotate = new Option<string?>("--annotate") { Description = "write each image with its faces' boxes and emotions drawn as in analyze's video, to FOLDER/NAME.annotated.EXT (a folder that exists)" };
        var maxMegapixels = new Option<double>("--max-megapixels") { Description = "refuse larger images before decoding them", DefaultValueFactory = _ => ImageClassifier.DefaultMaxPixels / 1e6 };
        var backend = SharedOptions.Backend();
        var model = SharedOptions.Model();
        var modelImport = SharedOptions.ModelImport();
        var margin = SharedOptions.CropMargin();
        var detector = SharedOptions.Detector();
        var anonymize = SharedOptions.Anonymize();

        var command = new Command("classify", "detect faces in images and print the emotion probabilities of each (one per label of the model)");
        command.Arguments.Add(images);
        foreach (var o in new Option[] { noDetect, json, annotate, anonymize, maxMegapixels, backend, model, margin }.Concat(modelImport.All).Concat(detector.All)) command.Options.Add(o);
        command.SetAction((r, token) => CommandRunner.RunAsync(async ct =>
        {
            SystemPackages.Require(ffmpeg: false, detector.Read(r).CascadePath);
            var given = r.GetValue(images)!;
            // The piped image is read first, in full: as a file, it is read as any other image is.
            using var kept = StandardInput.IsAmong(given, StandardInput.Image) ? await StandardInput.ReadAsync(StandardInput.Image, ct) : null;
            string? piped = kept?.Path;
            string Shown(string path) => path == piped ? "-" : path;
            string ShownIn(string message) => piped is null ? message : message.Replace(piped, "-");
            var network = PretrainedModel.Load(r.GetValue(model), modelImport.Read(r));
            using var engine = BackendFactory.Create(r.GetValue(backend)!, network, 64);
            using var faceDetector = r.GetValue(noDetect) ? null : FaceDetectorFactory.Create(detector.ReadKind(r), detector.Read(r), engine, workers: 1, threadsEach: Environment.ProcessorCount)[0];
            if (!(r.GetValue(maxMegapixels) > 0)) throw new VideoAffectException("--max-megapixels must be positive");
            using var classifier = new ImageClassifier(engine, faceDetector, r.GetValue(margin), (long)(r.GetValue(maxMegapixels) * 1e6));
            var paths = FolderInputs.Expand(given.Select(p => StandardInput.Names(p) ? piped! : p).ToArray(), FolderInputs.ImageExtensions);
            using var annotated = r.GetValue(annotate) is { } folder ? AnnotatedImages.Plan(folder, paths, r.GetValue(model), detector.Read(r).CascadePath, r.GetValue(anonymize)) : null;
            // A bad image is reported on its own line and the others are still classified.
            int failed = 0, done = 0;
            foreach (string path in paths)
            {
                // Ctrl-C between images: each one printed and annotated so far is whole.
                if (ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine($"videoaffect: cancelled after {done} of {paths.Count} images");
                    return CommandRunner.Cancelled;
                }
                done++;
                ImageClassifier.Result result;
                try
                {
                    if (Directory.Exists(path)) throw new VideoAffectException(FolderInputs.Empty(path, "images", FolderInputs.ImageExtensions));
                    // A FIFO would block the read for ever (SIGTERM could not end it), and a device is no image.
                    if (Outputs.FileFacts.Of(path).Kind is var kind and not (Outputs.FileKind.Regular or Outputs.FileKind.Missing))
                        throw new VideoAffectException($"'{path}' is {Outputs.FileFacts.Describe(kind)}, not an image");
                    result = classifier.Classify(path);
                }
                catch (VideoAffectException e)
                {
                    failed++;
                    Console.Error.WriteLine($"videoaffect: error: {ShownIn(e.Message)}");
                    if (r.GetValue(json)) PrintJsonError(Shown(path), ShownIn(e.Message));
                    continue;
                }
                // Classified all the same (as ffmpeg decodes a video past its damage), but said, with the file's name.
                if (result.DecodeWarning is { } complaint)
                    Console.Error.WriteLine($"videoaffect: warning: {ShownIn($"'{path}' may be damaged; its decoder said: {complaint}")}");
                // An animation (GIF, APNG, WebP) is read as OpenCV reads it, its first frame: said, as
                // analyze says a photo is classify's, so that its other frames are not taken for seen.
                bool animation = Media.AnimatedImage.IsAnimatedFile(result.Path);
                if (animation)
                    Console.Error.WriteLine($"videoaffect: warning: {ShownIn($"'{path}' is an animation; only its first frame was classified (videoaffect analyze reads every frame)")}");
                if (r.GetValue(json)) PrintJson(result with { Path = Shown(result.Path) }, animation);
                else PrintText(result with { Path = Shown(result.Path) });
                try { annotated?.Write(result); }
                catch (VideoAffectException e)
                {
                    failed++;
                    Console.Error.WriteLine($"videoaffect: error: {ShownIn(e.Message)}");
                }
            }
            return failed == 0 ? 0 : CommandRunner.BadInput;
        }, token));
        return command;
    }

    static void PrintText(ImageClassifier.Result result)
    {
        Console.WriteLine($"{result.Path}: {result.Faces.Count} face(s)");
        foreach (var (box, p) in result.Faces)
        {
            var probs = string.Join("  ", p.Labels.Select((l, i) => $"{l} {p.Probabilities[i].ToString("0.000", CultureInfo.InvariantCulture)}"));
            Console.WriteLine($"  ({box.X}, {box.Y}, {box.Width}, {box.Height})  {p.Label} {(p.Confidence * 100).ToString("0.0", CultureInfo.InvariantCulture)}%  [{probs}]");
        }
    }

    static void PrintJsonError(string path, string error)
    {
        using var stdout = Outputs.StandardOutput.Open();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("image", path);
            w.WriteString("error", error);
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }

    static void PrintJson(ImageClassifier.Result result, bool animation)
    {
        using var stdout = Outputs.StandardOutput.Open();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            w.WriteString("image", result.Path);
            w.WriteNumber("width", result.Width);
            w.WriteNumber("height", result.Height);
            w.WriteStartArray("faces");
            foreach (var (box, p) in result.Faces)
            {
                w.WriteStartObject();
                FaceJson.WriteFields(w, box, p);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (result.DecodeWarning is { } complaint) w.WriteString("decode_warning", complaint);
            if (animation) w.WriteBoolean("animation", true); // its first frame's faces
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }
}
