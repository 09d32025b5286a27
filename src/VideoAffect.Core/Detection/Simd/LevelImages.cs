using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using VideoAffect.Detection.Cascade;

namespace VideoAffect.Detection.Simd;

/// <summary>
/// One pyramid level's images in the layout the vectorised cascade reads: the level resized from
/// the frame exactly as OpenCV does (INTER_LINEAR_EXACT, or the 2x2 average for an exact halving),
/// then its integral, squared integral and (for tilted features) rotated integral, in wrapping
/// 32-bit integers as OpenCV's, split by column into <see cref="Step"/> planes.
/// </summary>
/// <remarks>
/// Why planes: on a level scanned with step 2 the windows sit at even x, so one corner of 8
/// neighbouring windows is every other integral value. Split into even and odd columns, those 8
/// values are consecutive in one plane: a vector load instead of a gather or a shuffle.
/// A window at x = j * Step, y reads a corner (dx, dy) at plane dx % Step, index
/// y * PlaneStride + j + dx / Step (+ dy * PlaneStride) of that plane.
/// </remarks>
internal sealed class LevelImages
{
    /// <summary>Room after each plane row so that 16-wide loads near a row's end stay inside the arrays.</summary>
    public const int RowPadding = 32;

    public PyramidLevel Level { get; private set; }
    public int Width => Level.Width;
    public int Height => Level.Height;
    public int Step => Level.Step;
    /// <summary>Ints per plane row.</summary>
    public int PlaneStride { get; private set; }
    /// <summary>Ints per plane: (Height + 1) rows.</summary>
    public int PlaneSize { get; private set; }
    /// <summary>Upright integral planes, then (when built) the rotated integral's planes.</summary>
    public int[] Sums => _sums;
    public int[] Squares => _squares;
    public bool HasTilted { get; private set; }

    byte[] _image = [];
    int[] _sums = [], _squares = [], _rowSum = [], _rowSquares = [], _tilted = [], _prefix = [];
    int[] _runSum = [], _runSquare = [];
    readonly ExactResize _resize = new();

    /// <summary>Builds the level from the packed 8-bit frame; buffers are reused when they are large enough.</summary>
    public void Build(ReadOnlySpan<byte> frame, int frameWidth, int frameHeight, PyramidLevel level, bool tilted,
        Kernels.Haar.ResizeTap[] columnTaps, Kernels.Haar.ResizeTap[] rowTaps)
    {
        Level = level;
        HasTilted = tilted;
        int w = level.Width, h = level.Height, s = level.Step;
        PlaneStride = (w + 1 + s - 1) / s + RowPadding;
        PlaneSize = (h + 1) * PlaneStride;
        Ensure(ref _image, w * h);
        _resize.Resize(frame, frameWidth, frameHeight, _image, w, h, columnTaps, rowTaps);
        int planes = s * (tilted ? 2 : 1);
        Ensure(ref _sums, planes * PlaneSize + RowPadding);
        Ensure(ref _squares, s * PlaneSize + RowPadding);
        IntegralPlanes(_image, w, h);
        if (tilted)
        {
            int integralSize = (w + 1) * (h + 1);
            Ensure(ref _tilted, integralSize);
            Ensure(ref _prefix, w * h);
            TiltedIntegral(_image, w, h, _prefix, _tilted);
            Split(_tilted, w, h, Sums, s * PlaneSize);
        }
    }

    static void Ensure(ref int[] buffer, int length)
    {
        if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<int>(length);
    }

    static void Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Copies an integral image ((w + 1) x (h + 1)) into Step planes (columns x with x % Step = plane), padding zeroed.</summary>
    void Split(int[] integral, int w, int h, int[] planes, int start)
    {
        int s = Step, stride = PlaneStride;
        for (int p = 0; p < s; p++)
        {
            int planeStart = start + p * PlaneSize;
            for (int y = 0; y <= h; y++)
            {
                var row = planes.AsSpan(planeStart + y * stride, stride);
                int source = y * (w + 1), n = 0;
                for (int x = p; x <= w; x += s) row[n++] = integral[source + x];
                row[n..].Clear();
            }
        }
    }

    /// <summary>
    /// The integral and squared integral ((w + 1) x (h + 1), zero first row and column; squares
    /// wrapping as OpenCV's CV_32S), written straight into the planes: each row is the row above
    /// plus the running sums of its pixels, split by column into the planes, added 8 at a time.
    /// </summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IntegralPlanes(byte[] image, int w, int h)
    {
        int s = Step, stride = PlaneStride, perPlane = stride - RowPadding;
        Ensure(ref _rowSum, s * stride);
        Ensure(ref _rowSquares, s * stride);
        for (int p = 0; p < s; p++)
        {
            Array.Clear(_sums, p * PlaneSize, stride);
            Array.Clear(_squares, p * PlaneSize, stride);
        }
        Array.Clear(_rowSum);
        Array.Clear(_rowSquares);
        Ensure(ref _runSum, w);
        Ensure(ref _runSquare, w);
        for (int y = 1; y <= h; y++)
        {
            // Running sums of the row; column x + 1 of the integral goes to plane (x + 1) % s at (x + 1) / s (column 0 is 0).
            var pixels = new ReadOnlySpan<byte>(image, (y - 1) * w, w);
            if (s == 1) IntegralRows.RunningSums(pixels, _rowSum.AsSpan(1, w), _rowSquares.AsSpan(1, w));
            else
            {
                IntegralRows.RunningSums(pixels, _runSum, _runSquare);
                IntegralRows.SplitByParity(_runSum.AsSpan(0, w), _rowSum.AsSpan(0, stride), _rowSum.AsSpan(stride, stride));
                IntegralRows.SplitByParity(_runSquare.AsSpan(0, w), _rowSquares.AsSpan(0, stride), _rowSquares.AsSpan(stride, stride));
            }
            for (int p = 0; p < s; p++)
            {
                int row = p * PlaneSize + y * stride, above = row - stride, scratch = p * stride;
                AddRows(_sums, above, _rowSum, scratch, row, perPlane);
                AddRows(_squares, above, _rowSquares, scratch, row, perPlane);
                _sums.AsSpan(row + perPlane, RowPadding).Clear();
                _squares.AsSpan(row + perPlane, RowPadding).Clear();
            }
        }
    }

    /// <summary>destination[row + i] = destination[above + i] + add[from + i] for i &lt; count, wrapping, in vectors.</summary>
    // Hot from the first frame: compiled optimised at once rather than after tier-0 warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AddRows(int[] destination, int above, int[] add, int from, int row, int count)
    {
        int i = 0;
        ref int d = ref destination[0];
        ref int a = ref add[0];
        for (; i + 8 <= count; i += 8)
            (Vector256.LoadUnsafe(ref d, (nuint)(above + i)) + Vector256.LoadUnsafe(ref a, (nuint)(from + i))).StoreUnsafe(ref d, (nuint)(row + i));
        for (; i < count; i++)
            destination[row + i] = unchecked(destination[above + i] + add[from + i]);
    }

    /// <summary>
    /// OpenCV's rotated integral: T(X, Y) = sum of image(x, y) over y &lt; Y and |x - X + 1| &lt;= Y - y - 1.
    /// The triangle's row y is the image row between columns X - 1 - d and X - 1 + d (d = Y - 1 - y),
    /// clipped: a difference of two row-prefix sums, and each of the two halves accumulates along a
    /// diagonal (the same decomposition as TiltedIntegralKernel).
    /// </summary>
    static void TiltedIntegral(byte[] image, int w, int h, int[] prefix, int[] tilted)
    {
        int stride = w + 1;
        for (int y = 0; y < h; y++)
        {
            int s = 0;
            for (int x = 0; x < w; x++) { s += image[y * w + x]; prefix[y * w + x] = s; }
        }
        int P(int y, int x) => x < 0 ? 0 : prefix[y * w + Math.Min(x, w - 1)];
        // rising(n, Y) = sum over y < Y of P(y, n + Y - 1 - y); falling(n, Y) = sum over y < Y of P(y, n - (Y - 1 - y)).
        var rising = new int[(w + 2) * (h + 1)];
        var falling = new int[(w + 2) * (h + 1)];
        int columns = w + 2;
        for (int Y = 1; Y <= h; Y++)
            for (int n = -1; n <= w; n++)
            {
                int previous = n + 1 <= w ? rising[(Y - 1) * columns + n + 2] : Rising(Y - 1, n + 1);
                rising[Y * columns + n + 1] = unchecked(previous + P(Y - 1, n));
            }
        for (int Y = 1; Y <= h; Y++)
            for (int n = -2; n <= w - 1; n++)
            {
                int previous = n - 1 >= -2 ? falling[(Y - 1) * columns + n + 1] : Falling(Y - 1, n - 1);
                falling[Y * columns + n + 2] = unchecked(previous + P(Y - 1, n));
            }
        for (int Y = 0; Y <= h; Y++)
            for (int X = 0; X <= w; X++)
                tilted[Y * stride + X] = unchecked(rising[Y * columns + X] - falling[Y * columns + X]);

        // Values just outside the stored ranges, summed directly (only at the two ends of each row).
        int Rising(int rows, int n)
        {
            int total = 0;
            for (int y = 0; y < rows; y++) total = unchecked(total + P(y, n + rows - 1 - y));
            return total;
        }
        int Falling(int rows, int n)
        {
            int total = 0;
            for (int y = 0; y < rows; y++) total = unchecked(total + P(y, n - (rows - 1 - y)));
            return total;
        }
    }
}
