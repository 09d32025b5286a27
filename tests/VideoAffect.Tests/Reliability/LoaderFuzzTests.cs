using System.Diagnostics;
using System.Text;
using VideoAffect.Detection;
using VideoAffect.Detection.Cascade;
using VideoAffect.Model;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Reliability;

/// <summary>
/// The model and cascade loaders on randomly damaged copies of the real files, for a bounded time
/// each: a damaged file either still loads or fails with the project's own one-line exception;
/// no other exception type, no load that hangs. The seed is in every failure message.
/// </summary>
[Trait("Category", "Fuzz")]
public class LoaderFuzzTests
{
    /// <summary>8 s each in the suite; VIDEOAFFECT_FUZZ_SECONDS sets a longer hunt (it stops at the first failure).</summary>
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("VIDEOAFFECT_FUZZ_SECONDS"), out int seconds) && seconds > 0 ? seconds : 8);
    static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);

    /// <summary>One random damage: flipped bytes, a cut, a deleted or repeated run, or a digit swapped.</summary>
    static byte[] Mutate(byte[] original, Random random)
    {
        var data = new List<byte>(original);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && data.Count > 1; e++)
        {
            int at = random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0: data[at] = (byte)random.Next(256); break;
                case 1: data.RemoveRange(at, data.Count - at); break;
                case 2: data.RemoveRange(at, Math.Min(random.Next(1, 64), data.Count - at)); break;
                case 3: data.InsertRange(at, data.GetRange(at, Math.Min(random.Next(1, 64), data.Count - at))); break;
                default:
                    int digit = data.FindIndex(at, b => b is >= (byte)'0' and <= (byte)'9');
                    if (digit >= 0) data[digit] = (byte)('0' + random.Next(10));
                    break;
            }
        }
        return data.ToArray();
    }

    /// <returns>How many damaged files were loaded.</returns>
    static int Fuzz(string what, Action<Random, int> iteration)
    {
        var rnd = new RandomData();
        var random = new Random(rnd.Seed);
        var clock = Stopwatch.StartNew();
        int runs = 0;
        while (clock.Elapsed < Budget)
        {
            int run = runs++;
            var attempt = Task.Run(() => iteration(random, run));
            bool finished = Task.WhenAny(attempt, Task.Delay(HangLimit)).Result == attempt;
            Assert.True(finished, $"{what}: load {run} hung (seed {rnd.Seed})");
            if (attempt.Exception?.GetBaseException() is { } e && e is not VideoAffectException)
                Assert.Fail($"{what}: load {run} threw {e.GetType().Name}: {e.Message} (seed {rnd.Seed})");
            if (attempt.Exception?.GetBaseException() is VideoAffectException v)
                Assert.False(v.Message.Contains('\n'), $"{what}: load {run} gave a two-line error (seed {rnd.Seed}): {v.Message}");
        }
        return runs;
    }

    [Fact]
    public void Damaged_model_files_load_or_fail_with_a_clear_error()
    {
        using var dir = TestPaths.NewTempFolder();
        var json = File.ReadAllBytes(Path.Combine(TestPaths.ModelDirectory, "emotion.json"));
        var weights = File.ReadAllBytes(Path.Combine(TestPaths.ModelDirectory, "emotion.bin"));
        int loads = Fuzz("model", (random, run) =>
        {
            string folder = Path.Combine(dir.Path, run.ToString());
            Directory.CreateDirectory(folder);
            bool damageWeights = random.Next(4) == 0;
            File.WriteAllBytes(Path.Combine(folder, "emotion.json"), damageWeights ? json : Mutate(json, random));
            File.WriteAllBytes(Path.Combine(folder, "emotion.bin"), damageWeights ? Mutate(weights, random) : weights);
            // Each damaged copy goes once loaded: a long hunt makes 100,000 of them (60 GB kept).
            try { TfjsGraphModelLoader.Load(Path.Combine(folder, "emotion.json")); }
            finally { Directory.Delete(folder, recursive: true); }
        });
        Assert.True(loads >= 20, $"only {loads} damaged models loaded in {Budget.TotalSeconds} s");
    }

    [Fact]
    public void Damaged_cascades_load_or_fail_with_a_clear_error()
    {
        using var dir = TestPaths.NewTempFolder();
        var cascade = File.ReadAllBytes(Path.Combine(DetectorOptions.SystemCascadeDirectory, DetectorOptions.DefaultCascadeName));
        // Damage aimed at the numbers and structure, not only at the licence comment the file starts with.
        int body = Encoding.ASCII.GetString(cascade).IndexOf("<opencv_storage>", StringComparison.Ordinal);
        int loads = Fuzz("cascade", (random, run) =>
        {
            var head = cascade.AsSpan(0, body).ToArray();
            var damaged = head.Concat(Mutate(cascade[body..], random)).ToArray();
            string path = Path.Combine(dir.Path, $"{run}.xml");
            File.WriteAllBytes(path, damaged);
            try { HaarCascadeReader.Load(path); }
            finally { File.Delete(path); }
        });
        Assert.True(loads >= 20, $"only {loads} damaged cascades loaded in {Budget.TotalSeconds} s");
    }
}
