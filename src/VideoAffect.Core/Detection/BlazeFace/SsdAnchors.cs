namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// MediaPipe's SSD anchors for BlazeFace's 256x256 "back" model (SsdAnchorsCalculator with
/// num_layers 4, strides [16, 32, 32, 32], aspect ratio 1, anchor offset 0.5, fixed anchor size):
/// layers of equal stride share one grid, each layer adding two anchors per cell, so stride 16
/// gives a 16x16 grid with 2 anchors per cell and stride 32 an 8x8 grid with 6. With fixed sizes
/// only the centres matter: (column + 0.5, row + 0.5) x stride, in input pixels, cell by cell in
/// row-major order, that cell's anchors in a row.
/// </summary>
internal static class SsdAnchors
{
    public static readonly IReadOnlyList<(int Stride, int PerCell)> BackModel = [(16, 2), (32, 6)];

    /// <summary>Anchor centres as x, y pairs in input pixels.</summary>
    public static float[] Centres(int inputSize, IReadOnlyList<(int Stride, int PerCell)> layout)
    {
        var centres = new List<float>();
        foreach (var (stride, perCell) in layout)
        {
            int cells = (inputSize + stride - 1) / stride;
            for (int row = 0; row < cells; row++)
                for (int column = 0; column < cells; column++)
                    for (int n = 0; n < perCell; n++)
                    {
                        centres.Add((column + 0.5f) * stride);
                        centres.Add((row + 0.5f) * stride);
                    }
        }
        return centres.ToArray();
    }
}
