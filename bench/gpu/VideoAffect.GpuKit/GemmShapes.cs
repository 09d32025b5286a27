using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using VideoAffect.Engine;
using VideoAffect.Kernels;

namespace VideoAffect.GpuKit;

/// <summary>
/// The tiled GEMM of every convolution of a network, at one batch, in the group shape its rule
/// chooses (<see cref="ConvGemmKernel.Shape"/>) and in the other shapes a GPU allows, on the layer's
/// own geometry with made-up data: the rule was written from one run's layer times (run 3 on the
/// H200), so the next run says which shape each layer runs fastest in, for the rule to follow.
/// Each shape in every layout of a thread's outputs (<see cref="TileLayout"/>): the contiguous 4 x 4
/// one, read 16 bytes at a time, and the wide 8 x 8 one are unmeasured, and become the default (for
/// some layers or all) only where they win here.
/// </summary>
static class GemmShapes
{
    public sealed record Timing(int Layer, string Name, (int Tx, int Ty) Shape, TileLayout Layout, bool Chosen, double Seconds, double Gflops);
    /// <summary>How far a layout's outputs are from the strided one's, each in its rule's shape, relative to the largest output (the sums are the same, in the same order).</summary>
    public sealed record Agreement(int Layer, string Name, TileLayout Layout, (int Tx, int Ty) Shape, double Difference);

    /// <summary>Group shapes tried besides the rule's: square, wide and tall ones of 64 to 256 threads.</summary>
    static readonly (int Tx, int Ty)[] Candidates = [(16, 16), (16, 8), (8, 16), (8, 8), (16, 4), (4, 16), (4, 64), (2, 64), (2, 32), (1, 64)];

    /// <param name="maxLayers">convolutions timed at most, first first (the dry run times one, in two shapes)</param>
    public static (List<Timing> Timings, List<Agreement> Agreements) Run(Accelerator accelerator, Network network, int batch, int runs, int maxLayers = int.MaxValue, int maxShapes = int.MaxValue)
    {
        var gemm = new ConvGemmKernel(accelerator);
        int maxThreads = gemm.Tile * gemm.Tile;
        var timings = new List<Timing>();
        var agreements = new List<Agreement>();
        var stream = accelerator.DefaultStream;
        int timed = 0;
        for (int i = 1; i < network.Layers.Count && timed < maxLayers; i++)
        {
            if (network.Layers[i] is not Conv2DLayer conv) continue;
            timed++;
            var g = conv.Geometry;
            int rows = batch * g.OutHeight * g.OutWidth;
            (int Tx, int Ty) Rule(TileLayout layout) => ConvGemmKernel.Shape(rows, g.OutChannels, maxThreads, accelerator.NumMultiprocessors, accelerator.WarpSize, layout);
            using var input = accelerator.Allocate1D(Pattern((long)batch * g.InputSize));
            using var weights = accelerator.Allocate1D(Pattern(conv.Weights.Length));
            using var bias = accelerator.Allocate1D(conv.Bias);
            using var output = accelerator.Allocate1D<float>(Math.Max(1, (long)batch * g.OutputSize));
            float[] Outputs(TileLayout layout)
            {
                output.MemSetToZero(stream);
                gemm.Launch(stream, batch, input.View, weights.View, bias.View, output.View, g, conv.Relu, Rule(layout), layout);
                return output.GetAsArray1D(stream);
            }
            // Every layout in its rule's shape gives the strided one's outputs: each is checked where it is timed.
            var strided = Outputs(TileLayout.Strided);
            double largest = Math.Max(1e-30, strided.Max(MathF.Abs));
            foreach (var layout in Enum.GetValues<TileLayout>().Where(l => l != TileLayout.Strided))
                agreements.Add(new Agreement(i, $"{conv.Op} {conv.OutputShape}", layout, Rule(layout), strided.Zip(Outputs(layout), (a, b) => Math.Abs(a - b)).Max() / largest));
            foreach (var layout in Enum.GetValues<TileLayout>())
            {
                var chosen = Rule(layout);
                var shapes = Candidates.Prepend(chosen).Distinct()
                    .Where(s => s.Tx * s.Ty <= maxThreads && s.Ty <= ConvGemmKernel.MaxRowThreads && ConvGemmKernel.SharedBytes(s.Tx, s.Ty, layout) <= 48 * 1024)
                    .Take(maxShapes).ToList();
                foreach (var shape in shapes)
                {
                    gemm.Launch(stream, batch, input.View, weights.View, bias.View, output.View, g, conv.Relu, shape, layout);
                    stream.Synchronize();
                    long started = Stopwatch.GetTimestamp();
                    for (int r = 0; r < runs; r++) gemm.Launch(stream, batch, input.View, weights.View, bias.View, output.View, g, conv.Relu, shape, layout);
                    stream.Synchronize();
                    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds / runs;
                    timings.Add(new Timing(i, $"{conv.Op} {conv.OutputShape}", shape, layout, shape == chosen, seconds, 2.0 * conv.MultiplyAdds * batch / seconds / 1e9));
                }
            }
        }
        return (timings, agreements);
    }
    /// <summary>Values of a usual size, the same on every run (the speed does not depend on them).</summary>
    static float[] Pattern(long length)
    {
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = (i % 17 - 8) / 16f;
        return values;
    }
}
