using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VideoAffect.Tests.Support;

/// <summary>
/// ONNX Runtime (Microsoft's CPU build, from NuGet) running a model file: the original runtime that
/// our importer's results are checked against. Inputs are given as our engine takes them (NHWC
/// items) and laid out as the model's own input declares (NCHW or NHWC) before the run.
/// </summary>
static class OnnxReference
{
    public static float[] Run(byte[] model, float[] nhwc, int batch, TensorShape shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var input = session.InputMetadata.Single();
        // A model with a fixed batch of 1 (as FER+ ships) runs item by item.
        int step = input.Value.Dimensions[0] == 1 ? 1 : batch;
        // NCHW unless the declared input has its channels last (N x H x W x C, as TF exports).
        bool nchwInput = input.Value.Dimensions[1] == shape.Channels;
        var results = new List<float>();
        for (int start = 0; start < batch; start += step)
        {
            var items = nhwc.AsSpan(start * shape.Size, step * shape.Size).ToArray();
            int[] dims = nchwInput ? [step, shape.Channels, shape.Height, shape.Width] : [step, shape.Height, shape.Width, shape.Channels];
            var tensor = new DenseTensor<float>(nchwInput ? ToNchw(items, step, shape) : items, dims);
            using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(input.Key, tensor)]);
            results.AddRange(outputs.First().AsEnumerable<float>());
        }
        return results.ToArray();
    }

    static float[] ToNchw(float[] nhwc, int batch, TensorShape s)
    {
        var result = new float[nhwc.Length];
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < s.Height; y++)
                for (int x = 0; x < s.Width; x++)
                    for (int c = 0; c < s.Channels; c++)
                        result[((n * s.Channels + c) * s.Height + y) * s.Width + x] = nhwc[((n * s.Height + y) * s.Width + x) * s.Channels + c];
        return result;
    }
}

/// <summary>The models tests/onnx/make_models.py writes (with Debian's python3-onnx), built once per test class.</summary>
public sealed class GeneratedOnnxModels : IDisposable
{
    readonly TempFolder _folder = TestPaths.NewTempFolder();

    public GeneratedOnnxModels()
    {
        var r = ProcessRunner.Run("/usr/bin/python3", [System.IO.Path.Combine(TestPaths.RepoRoot, "tests", "onnx", "make_models.py"), _folder.Path], TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new InvalidOperationException($"make_models.py failed (is python3-onnx installed? ./setup.sh installs it): {r.StandardError}");
    }

    public string Path(string name) => _folder.File(name);

    public void Dispose() => _folder.Dispose();
}
