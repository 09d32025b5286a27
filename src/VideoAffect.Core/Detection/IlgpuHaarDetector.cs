using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using OpenCvSharp;
using VideoAffect.Detection.Cascade;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection;

/// <summary>
/// OpenCV's Haar cascade detection (detectMultiScale) in our ILGPU kernels: the image goes up once,
/// then the bit-exact resize to every pyramid level, the integral images and the cascade run on the
/// device, each as one launch over all levels (the atlas, <see cref="AtlasLevel"/>); only the hits
/// (level, x, y) come back, and are grouped on the host with OpenCV's groupRectangles. Cascades with
/// tilted features also get the rotated integral image.
/// Buffers are sized for the frame size and reused while it stays the same.
/// </summary>
internal sealed class IlgpuHaarDetector : IBgrFaceDetector
{
    readonly Accelerator _accelerator;
    readonly bool _ownsAccelerator;
    readonly DetectorOptions _options;
    readonly HaarCascade _cascade;
    readonly LinearExactResizeKernel _resize;
    readonly GrayscaleKernel _grayscale;
    readonly IntegralImageKernel _integral;
    readonly TiltedIntegralKernel? _tiltedIntegral;
    readonly HaarCascadeKernel _evaluate;
    readonly MemoryBuffer1D<HaarStage, Stride1D.Dense> _stages;
    readonly MemoryBuffer1D<HaarTree, Stride1D.Dense> _trees;
    readonly MemoryBuffer1D<HaarNode, Stride1D.Dense> _nodes;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _leaves;
    readonly MemoryBuffer1D<HaarFeature, Stride1D.Dense> _features;
    readonly MemoryBuffer1D<int, Stride1D.Dense> _hitCount, _roundCounts;
    /// <summary>Its own stream, so that detection and a classifier sharing the device do not wait on each other's work.</summary>
    readonly AcceleratorStream _stream;
    MemoryBuffer1D<int, Stride1D.Dense> _hits;
    FrameBuffers? _frame;
    /// <summary>The packing schedules the tuner tries and <see cref="TimeSteps"/> times, cut to this cascade's stages.</summary>
    readonly IReadOnlyList<int[]> _scheduleCandidates;

    /// <param name="tunePacking">choose each frame size's packing schedule on its first frames (<see cref="PackAfter"/>); by default on every accelerator but ILGPU's CPU one, whose simulated times say nothing of a GPU's</param>
    /// <param name="packingCandidates">the schedules the tuner tries and <see cref="TimeSteps"/> times, by default
    /// <see cref="ScheduleCandidates"/> (the GPU kit's dry run takes a few: on ILGPU's CPU accelerator each trial is a whole frame of simulated threads)</param>
    public IlgpuHaarDetector(DetectorOptions options, Accelerator accelerator, bool ownsAccelerator = true, bool? tunePacking = null,
        IReadOnlyList<int[]>? packingCandidates = null)
    {
        options.Validate();
        options.CheckCascadeFile();
        _cascade = HaarCascadeReader.Load(options.CascadePath);
        _options = options;
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        _resize = new LinearExactResizeKernel(accelerator);
        _grayscale = new GrayscaleKernel(accelerator);
        _integral = new IntegralImageKernel(accelerator);
        _tiltedIntegral = _cascade.HasTiltedFeatures ? new TiltedIntegralKernel(accelerator) : null;
        _evaluate = new HaarCascadeKernel(accelerator);
        _stages = accelerator.Allocate1D(_cascade.Stages);
        _trees = accelerator.Allocate1D(_cascade.Trees);
        _nodes = accelerator.Allocate1D(_cascade.Nodes);
        _leaves = accelerator.Allocate1D(_cascade.Leaves);
        _features = accelerator.Allocate1D(_cascade.Features);
        _hitCount = accelerator.Allocate1D<int>(1);
        _roundCounts = accelerator.Allocate1D<int>(HaarCascadeKernel.MaxRounds);
        _hits = accelerator.Allocate1D<int>(3 * 4096);
        _stream = accelerator.CreateStream();
        _packAfter = HaarCascadeKernel.Schedule(DefaultPackAfter, _cascade.Stages.Length);
        _scheduleCandidates = (packingCandidates ?? ScheduleCandidates).Select(c => HaarCascadeKernel.Schedule(c, _cascade.Stages.Length)).DistinctBy(c => string.Join(",", c)).ToList();
        if (tunePacking ?? accelerator.AcceleratorType != AcceleratorType.CPU)
            _tuner = new PackingScheduleTuner(_scheduleCandidates, _packAfter);
    }

    public string DeviceName => _accelerator.Name;

    /// <summary>
    /// The stage counts after which the windows still in the running are listed and packed into
    /// full warps for the next stages (see <see cref="HaarCascadeKernel"/>); empty runs the whole
    /// cascade at every window in one launch. Unless set, each frame size's schedule is chosen by
    /// timing the candidates on its first frames (<see cref="PackingScheduleTuner"/>), and this is
    /// the fallback they must beat; setting it fixes the schedule for every frame.
    /// </summary>
    internal IReadOnlyList<int> PackAfter
    {
        get => _packAfter;
        set
        {
            _packAfter = HaarCascadeKernel.Schedule(value, _cascade.Stages.Length);
            _tuner = null;
        }
    }
    int[] _packAfter;
    PackingScheduleTuner? _tuner;

    /// <summary>
    /// See <see cref="PackAfter"/>: after the 2nd stage, the single split measured on no GPU yet
    /// (the GPU kit times this and other schedules, <see cref="TimeSteps"/>).
    /// </summary>
    internal static readonly IReadOnlyList<int> DefaultPackAfter = [2];

    /// <summary>The schedule chosen for frames of this size and each candidate's best frame time, once its trials are done; null before, or when <see cref="PackAfter"/> was set.</summary>
    internal (int[] Chosen, IReadOnlyList<(int[] Schedule, double Seconds)> Times)? PackingChoice(int width, int height) => _tuner?.Choice(width, height);

    public IReadOnlyList<FaceBox> Detect(Mat gray)
    {
        if (gray.Type() != MatType.CV_8UC1) throw new ArgumentException("the detector takes 8-bit grayscale images");
        return Run(gray.Width, gray.Height, _options.MinNeighbors, frame => UploadGray(gray, frame));
    }

    public IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height)
    {
        if (bgr.Length < (long)width * height * 3) throw new ArgumentException($"a {width}x{height} BGR frame needs {width * height * 3} bytes");
        // The span cannot enter the lambda: upload it first, then convert on the device.
        var frame = PrepareFrame(width, height, out var levels);
        if (frame is null) return [];
        var bgrBuffer = frame.Bgr(_accelerator);
        bgrBuffer.View.SubView(0, (long)width * height * 3).CopyFromCPU(_stream, bgr[..(width * height * 3)]);
        return Run(width, height, _options.MinNeighbors, f => _grayscale.Launch(_stream, bgrBuffer.View, f.Image.View, width * height));
    }

    /// <summary>Every window the cascade accepts, before grouping (OpenCV's detectMultiScale with minNeighbors 0).</summary>
    public IReadOnlyList<FaceBox> DetectCandidates(Mat gray) => Run(gray.Width, gray.Height, 0, frame => UploadGray(gray, frame));

    /// <summary>Buffers for this frame size, or null when the frame is smaller than the cascade's window at every allowed scale.</summary>
    FrameBuffers? PrepareFrame(int width, int height, out IReadOnlyList<PyramidLevel> levels)
    {
        var (minFace, maxFace) = _options.FaceSizes(width, height);
        levels = PyramidLevel.For(width, height, _cascade.WindowWidth, _cascade.WindowHeight, _options.ScaleFactor, minFace, maxFace);
        if (levels.Count == 0) return null;
        _accelerator.Bind(); // the pipeline calls from whichever pool thread runs the stage
        if (_frame is null || !_frame.Fits(width, height, levels))
        {
            _frame?.Dispose();
            _frame = new FrameBuffers(_accelerator, width, height, levels, _cascade.WindowWidth, _cascade.WindowHeight, _cascade.HasTiltedFeatures);
        }
        return _frame;
    }

    IReadOnlyList<FaceBox> Run(int width, int height, int minNeighbors, Action<FrameBuffers> fillImage)
    {
        var frame = PrepareFrame(width, height, out var levels);
        if (frame is null) return [];
        fillImage(frame);
        var schedule = _tuner?.Next(width, height) ?? _packAfter;
        while (true)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            int count = Launch(frame, schedule);
            _tuner?.Report(width, height, schedule, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, count);
            if (3L * count <= _hits.Length) return RectangleGrouping.Group(ReadHits(count, levels, width, height), minNeighbors);
            // More hits than room: grow and run again (rare; the buffer keeps its size afterwards).
            _hits.Dispose();
            _hits = _accelerator.Allocate1D<int>(3L * count * 2);
        }
    }

    void UploadGray(Mat gray, FrameBuffers frame)
    {
        // Rows of a Mat may be padded; the device image is packed.
        using var packed = gray.IsContinuous() ? null : gray.Clone();
        var source = packed ?? gray;
        unsafe
        {
            var pixels = new ReadOnlySpan<byte>((void*)source.Data, gray.Width * gray.Height);
            frame.Image.View.SubView(0, pixels.Length).CopyFromCPU(_stream, pixels);
        }
    }

    /// <summary>The cascade's arrays on the device, as its kernels take them.</summary>
    HaarCascadeViews CascadeViews() => new()
    {
        Stages = _stages.View, Trees = _trees.View, Nodes = _nodes.View, Leaves = _leaves.View, Features = _features.View,
        WindowWidth = _cascade.WindowWidth, WindowHeight = _cascade.WindowHeight,
    };

    /// <summary>The whole pyramid in 5 launches (9 with tilted features), whatever the number of levels: see <see cref="AtlasLevel"/>.</summary>
    int Launch(FrameBuffers frame, int[] packAfter)
    {
        var stream = _stream;
        _hitCount.MemSetToZero(stream);
        var cascade = CascadeViews();
        var atlas = frame.Atlas;
        var levels = frame.AtlasLevels.View;
        _resize.Launch(stream, frame.Image.View, frame.Width, frame.Taps.View, atlas, levels, frame.Levels.View);
        _integral.Launch(stream, atlas, levels, frame.Levels.View, frame.Sum.View, frame.Squares.View);
        if (frame.TiltedScratch is { } scratch)
            _tiltedIntegral!.Launch(stream, atlas, levels, frame.Levels.View, scratch.Prefix.View, scratch.Rising.View, scratch.Falling.View, frame.Tilted.View);
        _evaluate.Launch(stream, cascade, atlas, levels, new HaarIntegrals { Sum = frame.Sum.View, Squares = frame.Squares.View, Tilted = frame.Tilted.View },
            packAfter, frame.Lists(_accelerator, packAfter), _roundCounts.View, _hits.View, _hitCount.View);
        var count = new int[1];
        _hitCount.View.CopyToCPU(stream, count);
        stream.Synchronize();
        return count[0];
    }

    /// <summary>A schedule as the GPU kit's report names it.</summary>
    internal static string ScheduleName(IReadOnlyList<int> schedule) =>
        schedule.Count == 0 ? "in one launch" : $"packing after stage{(schedule.Count == 1 ? "" : "s")} {string.Join(",", schedule)}";

    /// <summary>Packing schedules the detector tries on each frame size's first frames, and <see cref="TimeSteps"/> times, unless given others: single splits, then geometric ones.</summary>
    internal static readonly IReadOnlyList<int[]> ScheduleCandidates = [[], [1], [2], [3], [4], [6], [1, 3], [2, 5], [1, 3, 6], [2, 5, 10], [1, 3, 6, 10], [1, 2, 4, 7, 11, 16]];

    /// <summary>
    /// Seconds per frame of each step of <see cref="DetectBgr"/> on <paramref name="bgr"/>, each
    /// step launched <paramref name="runs"/> times between synchronisations (so the GPU kit can say
    /// which of the upload, the kernels and the grouping on the host holds a frame back).
    /// </summary>
    public IReadOnlyList<(string Step, double Seconds)> TimeSteps(byte[] bgr, int width, int height, int runs)
    {
        DetectBgr(bgr, width, height);
        var frame = _frame!;
        var levels = PyramidLevel.For(width, height, _cascade.WindowWidth, _cascade.WindowHeight, _options.ScaleFactor,
            _options.FaceSizes(width, height).Min, _options.FaceSizes(width, height).Max);
        var stream = _stream;
        var bgrBuffer = frame.Bgr(_accelerator);
        var atlas = frame.Atlas;
        var atlasLevels = frame.AtlasLevels.View;
        var cascade = CascadeViews();
        var integrals = new HaarIntegrals { Sum = frame.Sum.View, Squares = frame.Squares.View, Tilted = frame.Tilted.View };
        double Time(Action step)
        {
            stream.Synchronize();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int r = 0; r < runs; r++) step();
            stream.Synchronize();
            return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds / runs;
        }
        var steps = new List<(string, double)>
        {
            ("upload the BGR frame", Time(() => bgrBuffer.View.SubView(0, (long)width * height * 3).CopyFromCPU(stream, bgr.AsSpan(0, width * height * 3)))),
            ("gray", Time(() => _grayscale.Launch(stream, bgrBuffer.View, frame.Image.View, width * height))),
            ($"resize to {levels.Count} levels", Time(() => _resize.Launch(stream, frame.Image.View, frame.Width, frame.Taps.View, atlas, atlasLevels, frame.Levels.View))),
            ("integrals", Time(() => _integral.Launch(stream, atlas, atlasLevels, frame.Levels.View, frame.Sum.View, frame.Squares.View))),
        };
        if (frame.TiltedScratch is { } scratch)
            steps.Add(("tilted integrals", Time(() => _tiltedIntegral!.Launch(stream, atlas, atlasLevels, frame.Levels.View, scratch.Prefix.View, scratch.Rising.View, scratch.Falling.View, frame.Tilted.View))));
        // The cascade with each packing schedule (the one this detector uses at this size last, so its hits are read back below).
        var mine = PackingChoice(width, height)?.Chosen ?? _packAfter;
        var schedules = _scheduleCandidates.Where(c => !c.SequenceEqual(mine)).Append(mine).DistinctBy(ScheduleName);
        foreach (var schedule in schedules)
            steps.Add(($"cascade, {ScheduleName(schedule)}{(ReferenceEquals(schedule, mine) ? " (the detector's)" : "")}",
                Time(() => { _hitCount.MemSetToZero(stream); _evaluate.Launch(stream, cascade, atlas, atlasLevels, integrals, schedule, frame.Lists(_accelerator, schedule), _roundCounts.View, _hits.View, _hitCount.View); })));
        var count = new int[1];
        _hitCount.View.CopyToCPU(stream, count);
        stream.Synchronize();
        steps.Add(($"read {count[0]} hits back and group them", Time(() => RectangleGrouping.Group(ReadHits(count[0], levels, width, height), _options.MinNeighbors))));
        return steps;
    }

    /// <summary>
    /// The hits as boxes in the image, cut to it as OpenCV 4 does (a box rounded up at a level's
    /// edge can stick out by a pixel); OpenCV's raw candidates show the cut, so it comes before grouping.
    /// </summary>
    List<FaceBox> ReadHits(int count, IReadOnlyList<PyramidLevel> levels, int width, int height)
    {
        var raw = new int[3 * count];
        if (count > 0)
        {
            _hits.View.SubView(0, raw.Length).CopyToCPU(_stream, raw);
            _stream.Synchronize();
        }
        // Threads finish in no fixed order; OpenCV's candidates come level by level, row by row.
        var hits = Enumerable.Range(0, count).Select(i => (Level: raw[3 * i], X: raw[3 * i + 1], Y: raw[3 * i + 2]))
            .OrderBy(h => h.Level).ThenBy(h => h.Y).ThenBy(h => h.X);
        return hits.Select(h => levels[h.Level].BoxAt(h.X, h.Y)).Select(b =>
            new FaceBox(b.X, b.Y, Math.Min(b.Right, width) - b.X, Math.Min(b.Bottom, height) - b.Y)).ToList();
    }

    public void Dispose()
    {
        _frame?.Dispose();
        _stream.Dispose();
        foreach (var buffer in new MemoryBuffer[] { _stages, _trees, _nodes, _leaves, _features, _hitCount, _roundCounts, _hits }) buffer.Dispose();
        if (_ownsAccelerator) _accelerator.Dispose();
    }

    /// <summary>
    /// Device buffers for one frame size and its pyramid: the image, every level at once in the atlas
    /// (level images, integrals, the tilted integral's scratch), the levels' table and resize taps.
    /// </summary>
    sealed class FrameBuffers : IDisposable
    {
        readonly IReadOnlyList<PyramidLevel> _levels;

        public FrameBuffers(Accelerator accelerator, int width, int height, IReadOnlyList<PyramidLevel> levels, int windowWidth, int windowHeight, bool tilted)
        {
            Width = width; Height = height;
            _levels = levels;
            var taps = new List<ResizeTap>();
            var sizes = new List<AtlasLevelSize>();
            foreach (var level in levels)
            {
                int columnTaps = taps.Count, rowTaps = taps.Count + level.Width;
                taps.AddRange(LinearExactResizeTaps.For(width, level.Width));
                taps.AddRange(LinearExactResizeTaps.For(height, level.Height));
                sizes.Add(new AtlasLevelSize(level.Width, level.Height, LinearExactResizeTaps.IsExactHalving(width, height, level.Width, level.Height),
                    columnTaps, rowTaps, level.Columns(windowWidth), level.Rows(windowHeight), level.Step));
            }
            Atlas = new PyramidAtlas(sizes);
            AtlasLevels = accelerator.Allocate1D(Atlas.Levels);
            Taps = accelerator.Allocate1D(taps.ToArray());
            Image = accelerator.Allocate1D<byte>((long)width * height);
            Levels = accelerator.Allocate1D<byte>(Atlas.Pixels);
            Sum = accelerator.Allocate1D<int>(Atlas.Integral);
            Squares = accelerator.Allocate1D<int>(Atlas.Integral);
            // Only cascades with tilted features need the rotated integral; the others get a placeholder view.
            Tilted = accelerator.Allocate1D<int>(tilted ? Atlas.Integral : 1);
            ListA = accelerator.Allocate1D<int>(Math.Max(1, Atlas.Windows));
            if (tilted)
                TiltedScratch = (accelerator.Allocate1D<int>(Atlas.Pixels), accelerator.Allocate1D<int>(Atlas.Scratch), accelerator.Allocate1D<int>(Atlas.Scratch));
        }

        MemoryBuffer1D<byte, Stride1D.Dense>? _bgr;

        public int Width { get; }
        public int Height { get; }
        public PyramidAtlas Atlas { get; }
        public MemoryBuffer1D<AtlasLevel, Stride1D.Dense> AtlasLevels { get; }
        public MemoryBuffer1D<ResizeTap, Stride1D.Dense> Taps { get; }
        public MemoryBuffer1D<byte, Stride1D.Dense> Image { get; }
        /// <summary>The windows still in the running after a packing round (room for every window).</summary>
        public MemoryBuffer1D<int, Stride1D.Dense> ListA { get; }
        /// <summary>The second list, which rounds alternate with the first: made the first time a schedule has two packing points or more.</summary>
        MemoryBuffer1D<int, Stride1D.Dense>? _listB;

        /// <summary>
        /// The two lists the cascade's rounds alternate between; with one packing point or none the
        /// second is never used, and the first stands in for it (4 bytes less per window of the pyramid, a detector each).
        /// </summary>
        public (ArrayView<int> A, ArrayView<int> B) Lists(Accelerator accelerator, IReadOnlyList<int> packAfter) =>
            (ListA.View, packAfter.Count < 2 ? ListA.View : (_listB ??= accelerator.Allocate1D<int>(ListA.Length)).View);

        /// <summary>Room for the frame in BGR, made the first time a caller brings one.</summary>
        public MemoryBuffer1D<byte, Stride1D.Dense> Bgr(Accelerator accelerator) => _bgr ??= accelerator.Allocate1D<byte>(3L * Width * Height);
        /// <summary>Every level's image, packed one after another.</summary>
        public MemoryBuffer1D<byte, Stride1D.Dense> Levels { get; }
        public MemoryBuffer1D<int, Stride1D.Dense> Sum { get; }
        public MemoryBuffer1D<int, Stride1D.Dense> Squares { get; }
        public MemoryBuffer1D<int, Stride1D.Dense> Tilted { get; }
        public (MemoryBuffer1D<int, Stride1D.Dense> Prefix, MemoryBuffer1D<int, Stride1D.Dense> Rising, MemoryBuffer1D<int, Stride1D.Dense> Falling)? TiltedScratch { get; }

        public bool Fits(int width, int height, IReadOnlyList<PyramidLevel> levels) =>
            width == Width && height == Height && levels.SequenceEqual(_levels);

        public void Dispose()
        {
            _bgr?.Dispose();
            Image.Dispose(); Levels.Dispose(); Sum.Dispose(); Squares.Dispose(); Tilted.Dispose(); Taps.Dispose(); AtlasLevels.Dispose(); ListA.Dispose(); _listB?.Dispose();
            if (TiltedScratch is { } scratch) { scratch.Prefix.Dispose(); scratch.Rising.Dispose(); scratch.Falling.Dispose(); }
        }
    }
}
