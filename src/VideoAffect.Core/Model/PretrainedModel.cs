using System.Security.Cryptography;

namespace VideoAffect.Model;

/// <summary>
/// The default emotion model (face_classification's mini-Xception trained on FER-2013, as shipped
/// in the npm package @vladmandic/human). `videoaffect models fetch` (or setup) installs it into the
/// model cache (<see cref="ModelCache"/>); nothing is fetched at run time. Its files are checked against pinned sha256 sums before use.
/// </summary>
public static class PretrainedModel
{
    /// <summary>The TF.js graph model's topology file.</summary>
    public const string JsonFile = "emotion.json";
    /// <summary>Its weights file.</summary>
    public const string WeightsFile = "emotion.bin";
    /// <summary>The pinned sha256 of <see cref="JsonFile"/>.</summary>
    public const string JsonSha256 = "56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2";
    /// <summary>The pinned sha256 of <see cref="WeightsFile"/>.</summary>
    public const string WeightsSha256 = "927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987";
    const string Fix = "run `videoaffect models fetch` (in a source checkout, ./setup.sh does it)";

    /// <summary>The model cache (<see cref="ModelCache.Directory"/>).</summary>
    public static string DefaultDirectory() => ModelCache.Directory();

    /// <summary>
    /// Loads the verified default model, or a user's model when <paramref name="modelPath"/> is given:
    /// a model VideoAffect trained (<see cref="ModelFile"/>), an ONNX classifier (.onnx, read with
    /// <paramref name="onnx"/>'s labels and normalisation where its metadata has none), or a TF.js
    /// graph model JSON (or its folder).
    /// </summary>
    public static Network Load(string? modelPath = null, Onnx.OnnxImportOptions? onnx = null)
    {
        bool isOnnx = !string.IsNullOrEmpty(modelPath) && Onnx.OnnxImporter.IsOnnxFile(modelPath);
        if (onnx is not null && onnx != new Onnx.OnnxImportOptions() && !isOnnx)
            throw new VideoAffectException("--labels, --input-mean, --input-scale and --pixel-order apply to ONNX models (--model FILE.onnx); other models carry their own");
        if (!string.IsNullOrEmpty(modelPath))
        {
            if (isOnnx) return Onnx.OnnxImporter.LoadClassifier(modelPath, onnx);
            if (ModelFile.IsModelFile(modelPath)) return ModelFile.Load(modelPath).Network;
            string json = Directory.Exists(modelPath) ? Path.Combine(modelPath, JsonFile) : modelPath;
            return TfjsGraphModelLoader.Load(json);
        }
        string directory = DefaultDirectory();
        Verify(Path.Combine(directory, JsonFile), JsonSha256);
        Verify(Path.Combine(directory, WeightsFile), WeightsSha256);
        return TfjsGraphModelLoader.Load(Path.Combine(directory, JsonFile));
    }

    static void Verify(string path, string sha256)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"the pretrained emotion model is not installed ({path} is missing); {Fix}");
        string actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        if (actual != sha256)
            throw new ModelFormatException($"{path} is not the expected model file (sha256 {actual[..12]}…, expected {sha256[..12]}…); {Fix}");
    }
}
