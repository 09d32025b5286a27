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
    /// One frame: raw BGR bytes, OpenCV's faces on it, the managed probabilities of those faces cut
    /// on the host, and BlazeFace's faces on it from the managed path (whose letterbox needs OpenCV,
    /// which the GPU machine does not have).
    /// </summary>
    public sealed record KitFrame(string Name, string BgrFile, int Width, int Height, List<FaceBox> OpenCvFaces, string FaceProbabilitiesFile, List<FaceBox> BlazeFaces);

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
