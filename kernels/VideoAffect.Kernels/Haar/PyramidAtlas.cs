using ILGPU;

namespace VideoAffect.Kernels.Haar;

/// <summary>
/// One pyramid level in the atlas: every level of a frame's pyramid is on the device at once, packed
/// one after another in each buffer, so that each pass of the detector (resize, integrals, cascade)
/// is one launch over all levels instead of one per level (37 levels of a 1080p frame with the
/// default options, 4 to 8 launches each, most of them too small to fill a GPU). A thread of a pass finds its level by the
/// level's first index in that pass (<see cref="PyramidAtlas.LevelOf"/>).
/// </summary>
internal struct AtlasLevel
{
    public int Width;
    public int Height;
    /// <summary>1 when the level is exactly half the source both ways (OpenCV's 2x2 average, no taps).</summary>
    public int Halve;
    /// <summary>Where the level's column and row taps start in the taps buffer.</summary>
    public int ColumnTaps;
    public int RowTaps;
    /// <summary>Window positions x &lt; Columns and y &lt; Rows, multiples of Step, are tried (OpenCV's working size).</summary>
    public int Columns;
    public int Rows;
    public int Step;

    // First indices: the running totals of the levels before this one.
    /// <summary>First pixel of the level image (W x H), and of its row prefixes for the tilted integral.</summary>
    public int Pixels;
    /// <summary>First integral element ((W + 1) x (H + 1)) of the sum, squares and tilted integrals.</summary>
    public int Integral;
    /// <summary>First rising/falling diagonal sum ((W + 2) x (H + 1)) of the tilted integral.</summary>
    public int Scratch;
    /// <summary>First thread of the integral's row pass (H + 1 rows).</summary>
    public int IntegralRows;
    /// <summary>First thread of the integral's column pass (W + 1 columns).</summary>
    public int IntegralColumns;
    /// <summary>First thread of the tilted integral's row-prefix pass (H rows).</summary>
    public int ImageRows;
    /// <summary>First thread of the tilted integral's diagonal passes (W + H + 2 diagonals).</summary>
    public int Diagonals;
    /// <summary>First thread of the cascade pass (one per window position).</summary>
    public int Windows;
}

/// <summary>The passes over all levels; each names the field of <see cref="AtlasLevel"/> that its threads count in.</summary>
internal enum AtlasPass
{
    Pixels,
    Integral,
    IntegralRows,
    IntegralColumns,
    ImageRows,
    Diagonals,
    Windows,
}

/// <summary>The level sizes and window positions an atlas is built from (the host's pyramid).</summary>
internal readonly record struct AtlasLevelSize(int Width, int Height, bool Halve, int ColumnTaps, int RowTaps, int Columns, int Rows, int Step)
{
    /// <summary>Window positions tried: multiples of Step below Columns and Rows.</summary>
    public int Windows => Columns <= 0 || Rows <= 0 ? 0 : ((Columns + Step - 1) / Step) * ((Rows + Step - 1) / Step);
}

/// <summary>
/// The atlas of a frame size: each level's place in every buffer and pass, and the totals, which
/// are the buffers' sizes and the passes' thread counts.
/// </summary>
internal sealed class PyramidAtlas
{
    public AtlasLevel[] Levels { get; }
    /// <summary>Totals over all levels: element counts of the buffers, thread counts of the passes.</summary>
    public int Pixels { get; }
    public int Integral { get; }
    public int Scratch { get; }
    public int IntegralRows { get; }
    public int IntegralColumns { get; }
    public int ImageRows { get; }
    public int Diagonals { get; }
    public int Windows { get; }

    public PyramidAtlas(IReadOnlyList<AtlasLevelSize> sizes)
    {
        Levels = new AtlasLevel[sizes.Count];
        long pixels = 0, integral = 0, scratch = 0, integralRows = 0, integralColumns = 0, imageRows = 0, diagonals = 0, windows = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            var s = sizes[i];
            Levels[i] = new AtlasLevel
            {
                Width = s.Width, Height = s.Height, Halve = s.Halve ? 1 : 0, ColumnTaps = s.ColumnTaps, RowTaps = s.RowTaps,
                Columns = s.Columns, Rows = s.Rows, Step = s.Step,
                Pixels = (int)pixels, Integral = (int)integral, Scratch = (int)scratch, IntegralRows = (int)integralRows,
                IntegralColumns = (int)integralColumns, ImageRows = (int)imageRows, Diagonals = (int)diagonals, Windows = (int)windows,
            };
            pixels += (long)s.Width * s.Height;
            integral += (long)(s.Width + 1) * (s.Height + 1);
            scratch += (long)(s.Width + 2) * (s.Height + 1);
            integralRows += s.Height + 1;
            integralColumns += s.Width + 1;
            imageRows += s.Height;
            diagonals += s.Width + s.Height + 2;
            windows += s.Windows;
        }
        // The kernels index with int: a pyramid past 2^31 elements (a 30,000 x 30,000 frame) is refused here.
        if (Math.Max(scratch, windows) > int.MaxValue)
            throw new ArgumentException($"a pyramid of {scratch} integral elements is too large for the device detector");
        (Pixels, Integral, Scratch, IntegralRows, IntegralColumns, ImageRows, Diagonals, Windows) =
            ((int)pixels, (int)integral, (int)scratch, (int)integralRows, (int)integralColumns, (int)imageRows, (int)diagonals, (int)windows);
    }

    /// <summary>
    /// The level that thread <paramref name="index"/> of <paramref name="pass"/> works on: the last
    /// whose first index in that pass is at most <paramref name="index"/> (a level with nothing to do
    /// in a pass shares its first index with the next one, which then wins). A binary search over
    /// the levels (37 at 1080p: six steps) that reads one field of each level it visits.
    /// </summary>
    public static int LevelOf(ArrayView<AtlasLevel> levels, int index, AtlasPass pass)
    {
        int low = 0, high = (int)levels.Length - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (First(levels, middle, pass) <= index) low = middle;
            else high = middle - 1;
        }
        return low;
    }

    static int First(ArrayView<AtlasLevel> levels, int level, AtlasPass pass) => pass switch
    {
        AtlasPass.Pixels => levels[level].Pixels,
        AtlasPass.Integral => levels[level].Integral,
        AtlasPass.IntegralRows => levels[level].IntegralRows,
        AtlasPass.IntegralColumns => levels[level].IntegralColumns,
        AtlasPass.ImageRows => levels[level].ImageRows,
        AtlasPass.Diagonals => levels[level].Diagonals,
        _ => levels[level].Windows,
    };
}
