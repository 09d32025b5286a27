using System.Runtime.InteropServices;

namespace VideoAffect.Tests.Support;

/// <summary>
/// A graph model run by TF.js itself (tfjs-core, its CPU backend and the converter's executor,
/// pinned by tests/tfjs/package-lock.json and installed by setup into .cache/tfjs), through node:
/// the original runtime our engine's outputs are checked against.
/// </summary>
static class TfjsReference
{
    public static float[][] Run(string modelJson, float[] input, int batch, IReadOnlyList<string> outputs)
    {
        string script = Path.Combine(TestPaths.RepoRoot, ".cache", "tfjs", "run_graph.mjs");
        if (!File.Exists(script)) throw new FileNotFoundException($"{script} is missing: run ./setup.sh (./test.sh does)");
        using var folder = TestPaths.NewTempFolder();
        string inputFile = folder.File("input.f32");
        File.WriteAllBytes(inputFile, MemoryMarshal.AsBytes(input.AsSpan()).ToArray());
        var result = ProcessRunner.Run("node", [script, modelJson, inputFile, batch.ToString(), folder.Path, string.Join(",", outputs)], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"node run_graph.mjs failed: {result.StandardError}");
        return outputs.Select(name => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File(name + ".f32"))).ToArray()).ToArray();
    }
}
