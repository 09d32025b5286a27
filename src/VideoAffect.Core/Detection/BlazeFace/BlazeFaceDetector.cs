using System.Runtime.ExceptionServices;
using OpenCvSharp;
using VideoAffect.Inference;
using VideoAffect.Kernels;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// Faces with BlazeFace on one of our inference backends: each frame letterboxed to the model's
/// 256x256 input (and, with tiles, its overlapping tiles too), the outputs decoded and merged as
/// MediaPipe does. Faces outside the options' size range, and boxes cut to nothing by the frame's
/// edge, are dropped.
/// <para>
/// Callers on several threads share one instance and so share forward passes: each caller
/// letterboxes its own frame into a slot of the open pass, and the pass runs as soon as every
/// caller in it is ready and no pass is running. While one pass runs, the frames that arrive fill
/// the next, so the batch grows with the load (up to the backend's batch) without a timer and
/// without delaying a lone frame. The pipeline's detection workers, and several streams of
/// `monitor`, all feed one instance.
/// </para>
/// </summary>
internal sealed class BlazeFaceDetector : ILandmarkFaceDetector
{
    readonly IInferenceBackend _backend;
    /// <summary>An ILGPU backend letterboxes on its device: each frame goes up once as bytes, not as a float tensor per view.</summary>
    readonly IlgpuBackend? _device;
    readonly bool _ownsBackend;
    readonly DetectorOptions _options;
    readonly BlazeFaceDecoder _decoder;
    readonly int _capacity, _inputSize;
    readonly object _gate = new();
    readonly Stack<Pass> _free = new();
    readonly List<Pass> _all = new();
    /// <summary>Passes not yet run, in the order they were opened.</summary>
    readonly List<Pass> _pending = new();
    Pass? _open;
    bool _running;

    /// <param name="backend">Runs the BlazeFace network; its batch is the most views one pass holds.</param>
    public BlazeFaceDetector(IInferenceBackend backend, DetectorOptions options, bool ownsBackend = true)
    {
        options.Validate();
        _backend = backend;
        _device = backend as IlgpuBackend;
        _ownsBackend = ownsBackend;
        _options = options;
        _decoder = new BlazeFaceDecoder(backend.Network, options.ScoreThreshold, options.NmsIou);
        _capacity = backend.MaxBatch;
        _inputSize = backend.Network.InputShape.Height;
        if (ViewsPerFrame(4096, 4096) > _capacity)
            throw new VideoAffectException($"--tiles {options.Tiles} needs {ViewsPerFrame(4096, 4096)} views per frame; the detector's batch holds {_capacity}");
    }

    public string Description => $"blazeface ({_backend.Name}: {_backend.DeviceName})";

    long _passes, _views;
    /// <summary>Forward passes run so far, and the views (frames and tiles) they held: their ratio is the batch reached.</summary>
    public (long Passes, long Views) Counters => (Interlocked.Read(ref _passes), Interlocked.Read(ref _views));

    /// <summary>Views one frame needs: the whole frame and, for a large frame, its tiles.</summary>
    public int ViewsPerFrame(int width, int height) => Tiling.Views(width, height, _options.Tiles, _inputSize).Count;

    public IReadOnlyList<DetectedFace> DetectFaces(ReadOnlySpan<byte> bgr, int width, int height) =>
        Start(bgr, width, height).GetAwaiter().GetResult()[0];

    /// <summary>
    /// The frame is letterboxed before this returns (the caller may reuse its buffer then); the
    /// task completes when its pass has run. Awaiting holds no thread, so many frames can wait for
    /// one pass.
    /// </summary>
    public async ValueTask<IReadOnlyList<DetectedFace>> DetectFacesAsync(ReadOnlyMemory<byte> bgr, int width, int height) =>
        (await Start(bgr.Span, width, height))[0];

    Task<IReadOnlyList<DetectedFace>[]> Start(ReadOnlySpan<byte> bgr, int width, int height)
    {
        var regions = Tiling.Views(width, height, _options.Tiles, _inputSize);
        CheckFrame(bgr.Length, width, height);
        var ticket = Acquire([(regions.Count, width, height)]);
        try { Fill(ticket.Pass, ticket.FirstFrame, ticket.FirstSlot, bgr, width, height, regions); }
        catch { _ = CompleteAsync(ticket); throw; } // the pass must not wait for this slot forever
        return CompleteAsync(ticket);
    }

    /// <summary>Several frames at hand: in as few passes as the batch allows.</summary>
    public IReadOnlyList<DetectedFace>[] DetectFaces(IReadOnlyList<(ReadOnlyMemory<byte> Bgr, int Width, int Height)> frames)
    {
        var results = new List<IReadOnlyList<DetectedFace>>();
        for (int start = 0; start < frames.Count;)
        {
            var chunk = new List<(int Views, int Width, int Height)>();
            int views = 0;
            for (int i = start; i < frames.Count; i++)
            {
                int n = ViewsPerFrame(frames[i].Width, frames[i].Height);
                if (chunk.Count > 0 && views + n > _capacity) break;
                chunk.Add((n, frames[i].Width, frames[i].Height));
                views += n;
            }
            for (int i = 0; i < chunk.Count; i++) CheckFrame(frames[start + i].Bgr.Length, frames[start + i].Width, frames[start + i].Height);
            var ticket = Acquire(chunk);
            try
            {
                int slot = ticket.FirstSlot;
                for (int i = 0; i < chunk.Count; i++)
                {
                    var (bgr, width, height) = frames[start + i];
                    var regions = Tiling.Views(width, height, _options.Tiles, _inputSize);
                    Fill(ticket.Pass, ticket.FirstFrame + i, slot, bgr.Span, width, height, regions);
                    slot += regions.Count;
                }
            }
            catch { _ = CompleteAsync(ticket); throw; }
            results.AddRange(CompleteAsync(ticket).GetAwaiter().GetResult());
            start += chunk.Count;
        }
        return results.ToArray();
    }

    public IReadOnlyList<FaceBox> DetectBgr(ReadOnlySpan<byte> bgr, int width, int height) =>
        DetectFaces(bgr, width, height).Select(f => f.Box).ToList();

    /// <summary>A gray frame (a caller without colour) is given three equal channels.</summary>
    public unsafe IReadOnlyList<FaceBox> Detect(Mat gray)
    {
        using var bgr = new Mat();
        Cv2.CvtColor(gray, bgr, ColorConversionCodes.GRAY2BGR);
        return DetectBgr(new ReadOnlySpan<byte>((void*)bgr.Data, gray.Width * gray.Height * 3), gray.Width, gray.Height);
    }

    /// <summary>One forward pass's buffers and the frames in it; reused once every caller has its faces.</summary>
    sealed class Pass(int capacity, int inputSize, IReadOnlyList<int> outputSizes)
    {
        public readonly float[] Input = new float[capacity * inputSize];
        public readonly float[][] Outputs = outputSizes.Select(s => new float[capacity * s]).ToArray();
        /// <summary>Host letterboxes (OpenCV buffers), made on first use: a device that letterboxes never needs them.</summary>
        public readonly LetterboxImage?[] Letterboxes = new LetterboxImage?[capacity];
        public readonly Letterbox[] Views = new Letterbox[capacity];
        /// <summary>For a device that letterboxes: each frame's bytes, kept until the pass has run (each caller writes its own).</summary>
        public readonly byte[][] FrameCopies = Enumerable.Range(0, capacity).Select(_ => Array.Empty<byte>()).ToArray();
        public readonly List<(int FirstSlot, int Views, int Width, int Height)> Frames = new();
        public IReadOnlyList<DetectedFace>[] Results = [];
        public int Acquired, Ready, Collected, Callers;
        public bool Sealed;
        public ExceptionDispatchInfo? Error;
        /// <summary>Completes (never inline on the thread that ran the pass) when the results are there.</summary>
        public TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Reset()
        {
            Frames.Clear();
            Acquired = Ready = Collected = Callers = 0;
            Sealed = false;
            Error = null;
            Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    readonly record struct Ticket(Pass Pass, int FirstSlot, int FirstFrame, int Frames, int Views);

    /// <summary>Reserves slots in the open pass (a new one when it is sealed or too full).</summary>
    Ticket Acquire(IReadOnlyList<(int Views, int Width, int Height)> frames)
    {
        int views = frames.Sum(f => f.Views);
        lock (_gate)
        {
            if (_open is null || _open.Sealed || _open.Acquired + views > _capacity)
            {
                _open = Rent();
                _pending.Add(_open);
            }
            var pass = _open;
            var ticket = new Ticket(pass, pass.Acquired, pass.Frames.Count, frames.Count, views);
            foreach (var (n, width, height) in frames)
            {
                pass.Frames.Add((pass.Acquired, n, width, height));
                pass.Acquired += n;
            }
            pass.Callers++;
            return ticket;
        }
    }

    static void CheckFrame(int bytes, int width, int height)
    {
        if (width < 1 || height < 1 || bytes < (long)width * height * 3)
            throw new ArgumentException($"a {width}x{height} BGR frame needs {(long)width * height * 3} bytes, got {bytes}");
    }

    void Fill(Pass pass, int frame, int slot, ReadOnlySpan<byte> bgr, int width, int height, IReadOnlyList<Rect> regions)
    {
        var spec = _backend.Network.Input;
        int size = spec.Shape.Size;
        if (_device is not null)
        {
            // The device letterboxes: keep the frame's bytes and each view's geometry for the pass.
            int bytes = width * height * 3;
            if (pass.FrameCopies[frame].Length < bytes) pass.FrameCopies[frame] = new byte[bytes];
            bgr[..bytes].CopyTo(pass.FrameCopies[frame]);
            for (int i = 0; i < regions.Count; i++) pass.Views[slot + i] = Letterbox.For(regions[i], spec.Shape.Height);
            return;
        }
        for (int i = 0; i < regions.Count; i++)
            pass.Views[slot + i] = (pass.Letterboxes[slot + i] ??= new LetterboxImage()).Fill(bgr, width, height, regions[i], spec, pass.Input.AsSpan((slot + i) * size, size));
    }

    /// <summary>The pass on the device: its frames packed, each view's region and placement.</summary>
    void RunOnDevice(Pass pass)
    {
        var frames = new List<ReadOnlyMemory<byte>>(pass.Frames.Count);
        var views = new LetterboxView[pass.Acquired];
        long offset = 0;
        for (int f = 0; f < pass.Frames.Count; f++)
        {
            var (first, count, width, height) = pass.Frames[f];
            frames.Add(pass.FrameCopies[f].AsMemory(0, width * height * 3));
            for (int s = first; s < first + count; s++)
            {
                var v = pass.Views[s];
                views[s] = new LetterboxView(offset, width, v.Region.X, v.Region.Y, v.Region.Width, v.Region.Height, v.Width, v.Height, v.PadX, v.PadY);
            }
            offset += width * height * 3;
        }
        _device!.RunLetterboxed(frames, views, pass.Outputs);
    }

    /// <summary>
    /// Marks the caller's frames ready; the caller that completes a pass runs it (when none is
    /// running), and a runner also runs any pass that became ready meanwhile. Then the faces.
    /// </summary>
    async Task<IReadOnlyList<DetectedFace>[]> CompleteAsync(Ticket ticket)
    {
        var pass = ticket.Pass;
        lock (_gate)
        {
            pass.Ready += ticket.Views;
            if (!TryStart(pass)) pass = null;
        }
        while (pass is not null)
        {
            Run(pass);
            lock (_gate)
            {
                var next = _pending.FirstOrDefault(p => !p.Sealed && p.Ready == p.Acquired);
                pass = next is not null && TryStart(next) ? next : null;
            }
        }
        pass = ticket.Pass;
        await pass.Done.Task;
        var results = pass.Results.AsSpan(ticket.FirstFrame, ticket.Frames).ToArray();
        var error = pass.Error;
        lock (_gate)
            if (++pass.Collected == pass.Callers) _free.Push(pass);
        error?.Throw();
        return results;
    }

    /// <summary>Under the lock: a pass starts when all its slots are filled and no other pass runs.</summary>
    bool TryStart(Pass pass)
    {
        if (_running || pass.Sealed || pass.Ready != pass.Acquired) return false;
        pass.Sealed = true;
        _running = true;
        _pending.Remove(pass);
        if (_open == pass) _open = null;
        return true;
    }

    void Run(Pass pass)
    {
        try
        {
            if (_device is not null) RunOnDevice(pass);
            else _backend.Run(pass.Input.AsSpan(0, pass.Acquired * _backend.Network.InputShape.Size), pass.Acquired, pass.Outputs);
            Interlocked.Increment(ref _passes);
            Interlocked.Add(ref _views, pass.Acquired);
            pass.Results = pass.Frames.Select(f => (IReadOnlyList<DetectedFace>)_decoder
                .Decode(pass.Outputs, Enumerable.Range(f.FirstSlot, f.Views).Select(s => (s, pass.Views[s])), f.Width, f.Height)
                .Where(face => Wanted(face.Box, f.Width, f.Height)).ToList()).ToArray();
        }
        catch (Exception e)
        {
            pass.Error = ExceptionDispatchInfo.Capture(e);
            pass.Results = new IReadOnlyList<DetectedFace>[pass.Frames.Count];
        }
        finally
        {
            lock (_gate) _running = false;
            pass.Done.SetResult();
        }
    }

    Pass Rent()
    {
        if (_free.TryPop(out var pass)) { pass.Reset(); return pass; }
        pass = new Pass(_capacity, _backend.Network.InputShape.Size,
            Enumerable.Range(0, _backend.Network.Outputs.Count).Select(k => _backend.Network.OutputShape(k).Size).ToList());
        _all.Add(pass);
        return pass;
    }

    bool Wanted(FaceBox box, int frameWidth, int frameHeight)
    {
        var (min, max) = _options.FaceSizes(frameWidth, frameHeight);
        int side = Math.Max(box.Width, box.Height);
        return box.Width > 0 && box.Height > 0 && side >= min && (max == 0 || side <= max);
    }

    int _disposed;

    /// <summary>Idempotent: the pipeline holds one instance once per worker.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_gate)
            foreach (var pass in _all)
                foreach (var letterbox in pass.Letterboxes) letterbox?.Dispose();
        if (_ownsBackend) _backend.Dispose();
    }
}
