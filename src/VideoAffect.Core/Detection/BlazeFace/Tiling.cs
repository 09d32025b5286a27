using OpenCvSharp;

namespace VideoAffect.Detection.BlazeFace;

/// <summary>
/// The views BlazeFace looks at in one frame. Its 256x256 input loses faces below about 14 input
/// pixels (measured on the group photos: all found at 20 px, 91% at 10 px, 68% at 8 px, 36% at
/// 6 px), which is a 105-pixel face in a 1920-wide frame. With <c>tiles</c> = n > 1 the frame is
/// also cut into n x n tiles overlapping by a fifth of a tile, each seen at full input resolution,
/// all in the same batch; their faces and the whole view's are merged by one NMS. A frame at most
/// twice the input's size gains nothing from tiles (a tile would be seen at about the same scale)
/// and only risks false faces, so it is seen whole.
/// </summary>
internal static class Tiling
{
    const double Overlap = 0.2;

    public static IReadOnlyList<Rect> Views(int width, int height, int tiles, int inputSize)
    {
        var views = new List<Rect> { new(0, 0, width, height) };
        if (tiles <= 1 || Math.Max(width, height) <= 2 * inputSize) return views;
        // n tiles and n - 1 overlaps of Overlap x tile span the frame: tile = size / (n - (n - 1) x Overlap).
        int tileWidth = (int)Math.Ceiling(width / (tiles - (tiles - 1) * Overlap)), tileHeight = (int)Math.Ceiling(height / (tiles - (tiles - 1) * Overlap));
        for (int row = 0; row < tiles; row++)
            for (int column = 0; column < tiles; column++)
            {
                int x = Math.Min(width - tileWidth, (int)Math.Round(column * tileWidth * (1 - Overlap)));
                int y = Math.Min(height - tileHeight, (int)Math.Round(row * tileHeight * (1 - Overlap)));
                views.Add(new Rect(Math.Max(0, x), Math.Max(0, y), Math.Min(tileWidth, width), Math.Min(tileHeight, height)));
            }
        return views;
    }
}
