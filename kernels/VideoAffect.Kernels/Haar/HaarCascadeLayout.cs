namespace VideoAffect.Kernels.Haar;

// A Haar cascade as flat device arrays, in the shape OpenCV evaluates it (cascadedetect):
// stages hold runs of trees, trees hold runs of nodes and leaves, nodes name features.

/// <summary>A boosted stage: trees [FirstTree, FirstTree + TreeCount), passed when their leaf sum reaches Threshold.</summary>
internal readonly record struct HaarStage(int FirstTree, int TreeCount, float Threshold);

/// <summary>Where a tree's nodes and leaves start; node 0 is its root.</summary>
internal readonly record struct HaarTree(int FirstNode, int FirstLeaf);

/// <summary>
/// A split on one feature. Left/Right &gt; 0 name another node of the tree; &lt;= 0 name leaf -Left / -Right
/// (OpenCV's encoding, so a stump is "0 -1": leaf 0 below the threshold, leaf 1 otherwise).
/// </summary>
internal readonly record struct HaarNode(int Feature, float Threshold, int Left, int Right);

/// <summary>
/// A rectangle in window coordinates. Upright: (X, Y) is its top-left corner. Tilted (45 degrees,
/// Lienhart's rotated features): (X, Y) is its top corner, Width runs down-right and Height down-left.
/// </summary>
internal readonly record struct HaarRect(int X, int Y, int Width, int Height);

/// <summary>Up to three weighted rectangles; an unused third rectangle has weight 0. Tilted is 1 for a rotated feature.</summary>
internal readonly record struct HaarFeature(HaarRect R0, HaarRect R1, HaarRect R2, float W0, float W1, float W2, int Tilted);
