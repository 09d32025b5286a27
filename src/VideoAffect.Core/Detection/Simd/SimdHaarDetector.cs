using OpenCvSharp;
using VideoAffect.Detection.Cascade;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// Work counts of one frame: windows the cascade was tried on, and features evaluated for them (as
/// OpenCV would, one window at a time); and the wall time of its two phases, building the levels
/// (resize and integrals) and running the cascade over them; and how many vectors of windows had a
/// stage sum too near its threshold to decide in float (<see cref="StageGuard"/>).
/// </summary>
internal readonly record struct CascadeWork(long Windows, long Features, TimeSpan Levels = default, TimeSpan Cascade = default, long Resummed = 0)
{
    public double FeaturesPerWindow => Windows == 0 ? 0 : (double)Features / Windows;
}

/// <summary>
/// OpenCV's Haar cascade detection (detectMultiScale), on the CPU in our own vectorised code, with
/// OpenCV's results exactly: the same pyramid, the bit-exact resize, integral images, cascade
/// arithmetic and skip rule, then OpenCV's groupRectangles. One frame can use several threads:
/// the levels are built side by side, then bands of rows of every level are evaluated side by
/// side, and the hits are put back in OpenCV's order (level, row, column).
/// Buffers are kept per frame size; the steady state allocates only the result.
/// </summary>
internal sealed class SimdHaarDetector : IFaceDetector
{
    readonly DetectorOptions _options;
    readonly HaarCascade _cascade;
    readonly CascadeRows _rows;
    readonly int _threads;
    readonly WorkCrew _crew;
    Pyramid? _pyramid;

    /// <param name="threads">threads one frame may use (1: the caller's thread only)</param>
    /// <param name="maxLanes">the widest vector of windows to use (16, 8, 4 or 1), to compare the widths; the machine may allow less</param>
    public SimdHaarDetector(DetectorOptions options, int threads = 1, int maxLanes = 16)
        : this(options, HaarCascadeReader.Load(options.CascadePath), threads, maxLanes) { }

    /// <summary>A detector on a cascade already read (workers share one: parsing the XML costs ~0.1 s of a short run).</summary>
    internal SimdHaarDetector(DetectorOptions options, HaarCascade cascade, int threads = 1, int maxLanes = 16)
    {
        options.Validate();
        _cascade = cascade;
        _options = options;
        _rows = new CascadeRows(_cascade, maxLanes);
        _threads = Math.Max(1, threads);
        _crew = new WorkCrew(_threads - 1);
    }

    /// <summary>Whether the vector path applies (stump cascades) and how wide it is, for messages.</summary>
    public string Description => $"simd ({(_rows.Lanes > 1 ? $"{_rows.Lanes} windows per vector" : "window by window")}, {_threads} thread{(_threads == 1 ? "" : "s")})";

    public IReadOnlyList<FaceBox> Detect(Mat gray) => Group(DetectCandidates(gray), _options.MinNeighbors);

    /// <summary>Every window the cascade accepts, before grouping (OpenCV's detectMultiScale with minNeighbors 0).</summary>
    public IReadOnlyList<FaceBox> DetectCandidates(Mat gray)
    {
        if (gray.Type() != MatType.CV_8UC1) throw new ArgumentException("the detector takes 8-bit grayscale images");
        using var packed = gray.IsContinuous() ? null : gray.Clone();
        var source = packed ?? gray;
        unsafe
        {
            return Candidates(new ReadOnlySpan<byte>((void*)source.Data, gray.Width * gray.Height), gray.Width, gray.Height);
        }
    }

    /// <summary>The raw candidates of a packed 8-bit grayscale image, without OpenCV types (the GPU kit compares them on machines without OpenCV).</summary>
    public IReadOnlyList<FaceBox> DetectCandidates(ReadOnlySpan<byte> gray, int width, int height)
    {
        if (width < 1 || height < 1 || gray.Length < (long)width * height) throw new ArgumentException($"a {width}x{height} gray image needs {width * height} bytes");
        return Candidates(gray[..(width * height)], width, height);
    }

    static IReadOnlyList<FaceBox> Group(IReadOnlyList<FaceBox> candidates, int minNeighbors) => RectangleGrouping.Group(candidates, minNeighbors);

    IReadOnlyList<FaceBox> Candidates(ReadOnlySpan<byte> image, int width, int height)
    {
        var (minFace, maxFace) = _options.FaceSizes(width, height);
        var levels = PyramidLevel.For(width, height, _cascade.WindowWidth, _cascade.WindowHeight, _options.ScaleFactor, minFace, maxFace);
        if (levels.Count == 0) return [];
        if (_pyramid is null || !_pyramid.Fits(width, height, levels)) _pyramid = new Pyramid(_cascade, _rows.StumpTemplate, width, height, levels, _threads);
        var pyramid = _pyramid;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();

        // Levels first (each from the frame itself, as OpenCV resizes), then bands of rows.
        unsafe
        {
            fixed (byte* pixels = image)
            {
                byte* frame = pixels;
                int length = image.Length;
                ForEach(levels.Count, i => pyramid.BuildLevel(i, new ReadOnlySpan<byte>(frame, length), width, height));
            }
        }
        long built = System.Diagnostics.Stopwatch.GetTimestamp();
        ForEach(pyramid.Bands.Count, i => pyramid.EvaluateBand(i, _rows));
        LastFrame = new CascadeWork(pyramid.Bands.Sum(b => b.Windows), pyramid.Bands.Sum(b => b.Stumps),
            System.Diagnostics.Stopwatch.GetElapsedTime(start, built), System.Diagnostics.Stopwatch.GetElapsedTime(built), pyramid.Bands.Sum(b => b.Resummed));

        var boxes = new List<FaceBox>();
        foreach (var band in pyramid.Bands)
        {
            var level = levels[band.Level];
            for (int k = 0; k < band.Hits.Count; k += 2)
            {
                var b = level.BoxAt(band.Hits[k], band.Hits[k + 1]);
                // As OpenCV 4: a box rounded up at a level's edge is cut to the image.
                boxes.Add(new FaceBox(b.X, b.Y, Math.Min(b.Right, width) - b.X, Math.Min(b.Bottom, height) - b.Y));
            }
        }
        return boxes;
    }

    void ForEach(int count, Action<int> body) => _crew.Run(count, body);

    /// <summary>What the last frame took: windows tried and the features (stumps or tree nodes) evaluated for them.</summary>
    public CascadeWork LastFrame { get; private set; }

    public void Dispose() => _crew.Dispose();

    /// <summary>A band of rows of one level, evaluated by one thread, and its hits as (x, y) pairs.</summary>
    sealed class Band(int level, int firstRow, int endRow)
    {
        public int Level { get; } = level;
        public int FirstRow { get; } = firstRow;
        public int EndRow { get; } = endRow;
        public List<int> Hits { get; } = new();
        public long Windows, Stumps, Resummed;
    }

    /// <summary>Everything one frame size needs: level images, corner offsets, resize taps, bands, per-thread scratch.</summary>
    sealed class Pyramid
    {
        readonly HaarCascade _cascade;
        readonly IReadOnlyList<PyramidLevel> _levels;
        readonly LevelImages[] _images;
        readonly LevelCorners?[] _corners;
        readonly (ResizeTap[] Columns, ResizeTap[] Rows)[] _taps;
        readonly ThreadLocal<(CascadeRows.RowScratch Scratch, List<int> Row)> _scratch = new(() => (new CascadeRows.RowScratch(), new List<int>()));
        readonly int _width, _height;

        readonly StumpOp[]? _stumps;

        public Pyramid(HaarCascade cascade, StumpOp[]? stumps, int width, int height, IReadOnlyList<PyramidLevel> levels, int threads)
        {
            _cascade = cascade;
            _stumps = stumps;
            _width = width;
            _height = height;
            _levels = levels;
            _images = levels.Select(_ => new LevelImages()).ToArray();
            _corners = new LevelCorners?[levels.Count];
            _taps = levels.Select(l => (LinearExactResizeTaps.For(width, l.Width), LinearExactResizeTaps.For(height, l.Height))).ToArray();
            // Bands of about equal numbers of windows, 16 per thread: the work is not even (the rows
            // around a face go through far more stages), and with 4 per thread two threads were
            // only 1.5-1.8x one on 640x480 and 1080p frames (measured; 1.9-2.0x with 16).
            long windows = levels.Sum(l => (long)Positions(l.Columns(cascade.WindowWidth), l.Step) * Positions(l.Rows(cascade.WindowHeight), l.Step));
            long perBand = Math.Max(1, windows / Math.Max(1, threads * 16));
            var bands = new List<Band>();
            for (int i = 0; i < levels.Count; i++)
            {
                var l = levels[i];
                int rows = l.Rows(cascade.WindowHeight), perRow = Positions(l.Columns(cascade.WindowWidth), l.Step);
                if (rows <= 0 || perRow <= 0) continue;
                int rowsPerBand = (int)Math.Clamp(perBand / perRow, 1, rows) * l.Step;
                for (int y = 0; y < rows; y += rowsPerBand) bands.Add(new Band(i, y, Math.Min(rows, y + rowsPerBand)));
            }
            Bands = bands;
        }

        static int Positions(int extent, int step) => extent <= 0 ? 0 : (extent + step - 1) / step;

        public IReadOnlyList<Band> Bands { get; }

        public bool Fits(int width, int height, IReadOnlyList<PyramidLevel> levels) =>
            width == _width && height == _height && levels.SequenceEqual(_levels);

        public void BuildLevel(int i, ReadOnlySpan<byte> frame, int width, int height)
        {
            _images[i].Build(frame, width, height, _levels[i], _cascade.HasTiltedFeatures, _taps[i].Columns, _taps[i].Rows);
            _corners[i] ??= new LevelCorners(_cascade, _images[i], _stumps);
        }

        public void EvaluateBand(int index, CascadeRows rows)
        {
            var band = Bands[index];
            band.Hits.Clear();
            var (scratch, row) = _scratch.Value;
            scratch.Windows = scratch.Stumps = scratch.Resummed = 0;
            var images = _images[band.Level];
            var corners = _corners[band.Level]!;
            for (int y = band.FirstRow; y < band.EndRow; y += images.Step)
            {
                row.Clear();
                rows.Evaluate(images, corners, y, scratch, row);
                foreach (int x in row) { band.Hits.Add(x); band.Hits.Add(y); }
            }
            (band.Windows, band.Stumps, band.Resummed) = (scratch.Windows, scratch.Stumps, scratch.Resummed);
        }
    }
}
