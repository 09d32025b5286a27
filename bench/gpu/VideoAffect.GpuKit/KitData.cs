using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAffect.Detection;

namespace VideoAffect.GpuKit;

/// <summary>
/// What travels to the GPU machine besides the program: input frames (raw BGR), network inputs,
/// and what this machine's CPU made of them (the managed backend's probabilities, OpenCV's faces).
/// The manifest is JSON; the arrays are raw little-endian files beside it.
/// </summary>
public sealed class KitData
{
    public const string ManifestName = "kit.json";

    public required string ModelDirectory { get; init; }
    public required string CascadeFile { get; init; }
    public required DetectorSettings Detector { get; init; }
    public required List<KitFrame> Frames { get; init; }
    /// <summary>Network inputs (batch x input size floats) and the managed backend's probabilities for them.</summary>
    public required string InputsFile { get; init; }
    public required string ExpectedProbabilitiesFile { get; init; }
    public required int InputCount { get; init; }
    /// <summary>Batches to time the network at.</summary>
    public required int[] Batches { get; init; }
    /// <summary>ONNX models (tests/onnx/make_models.py's, every supported op) in the onnx folder, imported and checked op by op on the device.</summary>
    public List<string> OnnxModels { get; init; } = [];
    public required bool DryRun { get; init; }
    public required string PackedOn { get; init; }

    public sealed record DetectorSettings(double ScaleFactor, int MinNeighbors, int MinFaceSize, int MaxFaceSize);

    /// <summary>
    /// One frame: raw BGR bytes, OpenCV's faces on it, and BlazeFace's faces on it from the managed
    /// path (whose letterbox needs OpenCV, which the GPU machine does not have). For OpenCV's faces,
    /// the network inputs two ways: the float64 reference of the device's crop (OpenCV's gray,
    /// INTER_LINEAR in float, no rounding; the tests' <c>ReferenceCrop</c>) with the managed
    /// probabilities of those inputs, and the host path's (OpenCV's fixed-point resize, rounded to 8
    /// bits) with its probabilities. The device's crops must equal the first and lie within a gray
    /// level of the second; its probabilities must equal the first's. (The host path's probabilities
    /// are only reported: a level on each of 2,304 pixels moves them by up to a few hundredths.)
    /// </summary>
    public sealed record KitFrame(string Name, string BgrFile, int Width, int Height, List<FaceBox> OpenCvFaces,
        string ReferenceCropsFile, string ReferenceProbabilitiesFile, string HostCropsFile, string HostProbabilitiesFile, List<FaceBox> BlazeFaces);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public void Save(string directory) => File.WriteAllText(Path.Combine(directory, ManifestName), JsonSerializer.Serialize(this, Json));

    public static KitData Load(string directory) =>
        JsonSerializer.Deserialize<KitData>(File.ReadAllText(Path.Combine(directory, ManifestName)), Json)
        ?? throw new InvalidDataException($"{ManifestName} is empty");

    public static void WriteFloats(string path, ReadOnlySpan<float> values) => File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    public static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
