using VideoAffect.Detection;

namespace VideoAffect.Benchmarking;

/// <summary>What `videoaffect bench` measures.</summary>
internal sealed record BenchOptions
{
    /// <summary>Backends to measure; "all" means every usable one except the ILGPU CPU simulator.</summary>
    public IReadOnlyList<string> Backends { get; init; } = ["all"];
    public IReadOnlyList<(int Width, int Height)> Sizes { get; init; } = [(640, 480), (1920, 1080)];
    public IReadOnlyList<int> FaceCounts { get; init; } = [1, 8];
    public IReadOnlyList<int> Batches { get; init; } = [1, 16, 64, 256];
    public double ClipSeconds { get; init; } = 2;
    public int Runs { get; init; } = 3;
    /// <summary>The faster pipeline setting measured beside the default one.</summary>
    public int TrackedEvery { get; init; } = 3;
    public DetectorOptions Detector { get; init; } = new();
    /// <summary>Folder with the setup's photos.</summary>
    public required string PhotoDirectory { get; init; }
    /// <summary>Folder for generated clips and scratch outputs.</summary>
    public required string WorkDirectory { get; init; }
}
