using System.CommandLine;
using VideoAffect.Detection;
using VideoAffect.Inference;

namespace VideoAffect.Cli.Commands;

/// <summary>Options that several commands take, defined once so their names and defaults agree.</summary>
static class SharedOptions
{
    public static Option<string> Backend() => new("--backend", "-b")
    {
        Description = $"inference backend: {string.Join(", ", BackendFactory.Names)} (auto: CUDA if usable, else the managed CPU path)",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string?> Model() => new("--model")
    {
        Description = "a model trained by `videoaffect train` (.vamodel), an ONNX classifier (.onnx) or a TF.js graph model JSON (default: the pretrained FER-2013 model installed by setup)",
    };

    /// <summary>What an ONNX model's metadata may leave out, the same names wherever --model is taken.</summary>
    public sealed record ModelImportOptionSet(Option<string?> Labels, Option<double?> InputMean, Option<double?> InputScale, Option<string?> PixelOrder)
    {
        public IEnumerable<Option> All => [Labels, InputMean, InputScale, PixelOrder];

        public VideoAffect.Model.Onnx.OnnxImportOptions Read(ParseResult r)
        {
            var labels = r.GetValue(Labels) is { } text ? text.Split(',').Select(l => l.Trim()).ToArray() : null;
            if (labels is not null && (labels.Any(l => l.Length == 0) || labels.Distinct(StringComparer.OrdinalIgnoreCase).Count() != labels.Length))
                throw new VideoAffectException($"--labels '{r.GetValue(Labels)}' must be distinct, non-empty names separated by commas");
            PixelOrder? pixels = r.GetValue(PixelOrder) is { } order
                ? Enum.TryParse<PixelOrder>(order, ignoreCase: true, out var p) && !int.TryParse(order, out _) ? p : throw new VideoAffectException($"--pixel-order '{order}' is not gray, rgb or bgr")
                : null;
            return new(labels, r.GetValue(InputMean), r.GetValue(InputScale), pixels);
        }
    }

    public static ModelImportOptionSet ModelImport() => new(
        new Option<string?>("--labels") { Description = "an ONNX model's class names in output order, comma-separated, where its metadata has none (e.g. FER+: neutral,happiness,surprise,sadness,anger,disgust,fear,contempt)" },
        new Option<double?>("--input-mean") { Description = "an ONNX model's input normalisation: a pixel level becomes (level - mean) * scale (default: its metadata, else 0)" },
        new Option<double?>("--input-scale") { Description = "see --input-mean (default: its metadata, else 1)" },
        new Option<string?>("--pixel-order") { Description = "an ONNX model's input pixels: gray, rgb or bgr (default: its metadata, else gray for 1 channel and rgb for 3)" });

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "most faces per forward pass",
        DefaultValueFactory = _ => 32,
    };

    public static Option<double> CropMargin() => new("--crop-margin")
    {
        Description = "grow each face box by this fraction per side before classifying",
        DefaultValueFactory = _ => 0.0,
    };

    public static Option<bool> Align() => new("--align")
    {
        Description = "rotate each face upright by its eye line before classifying it (needs --detector blazeface)",
    };

    /// <summary>--anonymize MODE: pixelate, blur or fill every face found in the pictures written (records unchanged).</summary>
    public static Option<Anonymization> Anonymize() => new("--anonymize")
    {
        Description = "hide every face found in the pictures written (annotated video, recordings, restream, live preview, annotated images; the report then has no face crops), "
            + "labels and records unchanged: pixelate (8x8 blocks), blur (softer; an acquaintance may still know a face) or fill (grey); "
            + "a face the detector misses is not hidden",
        HelpName = "pixelate|blur|fill",
        CustomParser = result =>
        {
            string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            switch (value.ToLowerInvariant())
            {
                case "pixelate": return Anonymization.Pixelate;
                case "blur": return Anonymization.Blur;
                case "fill": return Anonymization.Fill;
                case "none": return Anonymization.None;
                default: result.AddError($"--anonymize takes pixelate, blur, fill or none (got '{value}')"); return Anonymization.None;
            }
        },
    };

    public static Option<string[]> Publish() => new("--publish")
    {
        Description = "send records and track events to a broker (repeatable): mqtt://[user:pass@]host[:port]/PREFIX[?records=true] " +
            "(Frigate's topics: PREFIX/available, PREFIX/events, PREFIX/STREAM/status), redis://[:pass@]host[:port]/STREAM[?maxlen=N] (XADD per record), " +
            "mqtts:// (port 8883) and rediss:// over TLS (?ca=FILE: a PEM CA to trust besides the system's), " +
            "or a webhook, http(s)://[user:pass@]host/PATH[?QUERY] (each track event POSTed as JSON)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Tracking's options, the same names, defaults and help in `analyze` and `monitor`.</summary>
    public sealed record TrackingOptionSet(Option<int> DetectEvery, Option<int> ClassifyEvery, Option<bool> NoTracking, Option<double> Smoothing, Option<bool> KeepTentative)
    {
        public IEnumerable<Option> All => [DetectEvery, ClassifyEvery, NoTracking, Smoothing, KeepTentative];
    }

    public static TrackingOptionSet Tracking() => new(
        new Option<int>("--detect-every") { Description = "run the face detector on every Nth frame; tracks carry faces in between", DefaultValueFactory = _ => 1 },
        new Option<int>("--classify-every") { Description = "classify a tracked face on every Kth frame; in between it keeps its last prediction", DefaultValueFactory = _ => 1 },
        new Option<bool>("--no-tracking") { Description = "no track ids, smoothing or detect-every-N: each frame on its own" },
        new Option<double>("--smoothing") { Description = "weight of a frame in its track's moving average of probabilities (1: no smoothing)", DefaultValueFactory = _ => 0.3 },
        new Option<bool>("--keep-tentative") { Description = "keep faces whose track was never confirmed (one-off detections), marked \"tentative\" in the records; by default they appear nowhere" });

    public sealed record DetectorOptionSet(Option<string> Kind, Option<string> Cascade, Option<double> ScaleFactor, Option<int> MinNeighbors, Option<FaceSides.FaceSide> MinFace, Option<FaceSides.FaceSide> MaxFace,
        Option<float> MinScore, Option<float> NmsIou, Option<int> Tiles)
    {
        public IEnumerable<Option> All => [Kind, Cascade, ScaleFactor, MinNeighbors, MinFace, MaxFace, MinScore, NmsIou, Tiles];

        public string ReadKind(ParseResult r) => r.GetValue(Kind)!;

        public DetectorOptions Read(ParseResult r) => new()
        {
            CascadePath = r.GetValue(Cascade)!,
            ScaleFactor = r.GetValue(ScaleFactor),
            MinNeighbors = r.GetValue(MinNeighbors),
            MinFaceSize = r.GetValue(MinFace).Pixels,
            MinFacePercent = r.GetValue(MinFace).Percent,
            MaxFaceSize = r.GetValue(MaxFace).Pixels,
            MaxFacePercent = r.GetValue(MaxFace).Percent,
            ScoreThreshold = r.GetValue(MinScore),
            NmsIou = r.GetValue(NmsIou),
            Tiles = r.GetValue(Tiles),
        };
    }

    public static DetectorOptionSet Detector()
    {
        var defaults = new DetectorOptions();
        return new DetectorOptionSet(
            new Option<string>("--detector")
            {
                Description = $"face detector: {string.Join(", ", FaceDetectorFactory.Names)} (the Haar cascades all give OpenCV's faces; auto: our ILGPU kernels when the backend runs on a GPU, else our SIMD cascade; blazeface: MediaPipe's CNN detector with eye, nose, mouth and ear landmarks)",
                DefaultValueFactory = _ => "auto",
            },
            new Option<string>("--cascade") { Description = "OpenCV Haar cascade XML", DefaultValueFactory = _ => defaults.CascadePath },
            new Option<double>("--scale-factor") { Description = "image pyramid step of the detector", DefaultValueFactory = _ => defaults.ScaleFactor },
            new Option<int>("--min-neighbors") { Description = "overlapping detections needed to keep a face", DefaultValueFactory = _ => defaults.MinNeighbors },
            FaceSides.Option("--min-face", "smallest face side", defaults.MinFaceSize),
            FaceSides.Option("--max-face", "largest face side (0: no limit)", defaults.MaxFaceSize),
            new Option<float>("--min-score") { Description = "blazeface: least face score, 0 to 1", DefaultValueFactory = _ => defaults.ScoreThreshold },
            new Option<float>("--nms-iou") { Description = "blazeface: boxes overlapping more than this are merged into one face", DefaultValueFactory = _ => defaults.NmsIou },
            new Option<int>("--tiles") { Description = "blazeface: also look at N x N overlapping tiles of each frame, for faces under about 1/18 of the frame's width (1: whole frame only)", DefaultValueFactory = _ => defaults.Tiles });
    }

    /// <summary>
    /// The options analyze, monitor and node share for finding, following and classifying faces,
    /// read into the one record the library takes for all of them (<see cref="RecognitionOptions"/>).
    /// </summary>
    public sealed record RecognitionOptionSet(Option<string> Backend, Option<string?> Model, ModelImportOptionSet ModelImport, Option<int> BatchSize,
        Option<Durations.Duration> BatchTimeout, Option<double> CropMargin, Option<bool> Align, DetectorOptionSet Detector, TrackingOptionSet Tracking,
        Option<Detection.FaceZone[]> IgnoreZones, Option<Detection.FaceZone[]> OnlyZones, Option<Anonymization> Anonymize)
    {
        public IEnumerable<Option> All => new Option[] { Backend, Model, BatchSize, BatchTimeout, CropMargin, Align }.Concat(ModelImport.All).Concat(Tracking.All).Concat(Detector.All).Append(IgnoreZones).Append(OnlyZones).Append(Anonymize);

        public RecognitionOptions Read(ParseResult r) => new()
        {
            Backend = r.GetValue(Backend)!,
            ModelPath = r.GetValue(Model),
            ModelImport = ModelImport.Read(r),
            BatchSize = r.GetValue(BatchSize),
            BatchTimeout = r.GetValue(BatchTimeout),
            CropMargin = r.GetValue(CropMargin),
            Align = r.GetValue(Align),
            Detector = Detector.Read(r),
            DetectorKind = Detector.ReadKind(r),
            DetectEvery = r.GetValue(Tracking.DetectEvery),
            ClassifyEvery = r.GetValue(Tracking.ClassifyEvery),
            KeepTentative = r.GetValue(Tracking.KeepTentative),
            Tracking = !r.GetValue(Tracking.NoTracking),
            SmoothingAlpha = r.GetValue(Tracking.Smoothing),
            Zones = [.. r.GetValue(IgnoreZones) ?? [], .. r.GetValue(OnlyZones) ?? []],
            Anonymize = r.GetValue(Anonymize),
        };
    }

    /// <summary>--ignore-zone or --only-zone, repeatable: read and checked as the command line is parsed, so a bad one is a usage line.</summary>
    public static Option<Detection.FaceZone[]> Zones(Detection.ZoneKind kind) => new(Detection.FaceZone.OptionName(kind))
    {
        Description = (kind == Detection.ZoneKind.Ignore
            ? "a part of the picture whose faces are not counted (a poster, a screen; repeatable): "
            : "a part of the picture whose faces are the only ones counted (a counter, a doorway; repeatable, a face in any of them counts): ")
            + $"{Detection.FaceZone.Syntax}; a face counts as inside when its box centre is",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result =>
        {
            var zones = new List<Detection.FaceZone>();
            foreach (var token in result.Tokens)
            {
                try { zones.Add(Detection.FaceZone.Parse(token.Value, kind)); }
                catch (VideoAffectException e) { result.AddError(e.Message); return []; }
            }
            return [.. zones];
        },
    };

    /// <summary>Every command that runs the recognition pipeline (analyze, monitor, node) takes these options, with the same names and defaults.</summary>
    public static RecognitionOptionSet Recognition() => new(Backend(), Model(), ModelImport(), BatchSize(),
        Durations.Option("--batch-timeout-ms", "longest a face waits for a fuller batch", TimeSpan.FromMilliseconds(20), bareMilliseconds: true),
        CropMargin(), Align(), Detector(), Tracking(), Zones(Detection.ZoneKind.Ignore), Zones(Detection.ZoneKind.Only), Anonymize());
}
