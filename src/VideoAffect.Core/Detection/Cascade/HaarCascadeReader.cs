using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using VideoAffect.Kernels.Haar;

namespace VideoAffect.Detection.Cascade;

/// <summary>
/// Reads OpenCV's cascade XML (the opencv_storage format that traincascade writes and Debian's
/// opencv-data ships, and the older haartraining format OpenCV still converts on load): BOOST
/// stages of HAAR weak classifiers (stumps or deeper trees), features of one to three weighted
/// rectangles, upright or tilted. Anything else, or anything inconsistent, is a
/// <see cref="CascadeFormatException"/> naming the file and what is wrong.
/// </summary>
internal static class HaarCascadeReader
{
    /// <summary>OpenCV lowers every stage threshold by this much when it loads a cascade (THRESHOLD_EPS).</summary>
    const float ThresholdMargin = 1e-5f;

    public static HaarCascade Load(string path)
    {
        if (!File.Exists(path)) throw new CascadeFormatException($"face cascade '{path}' does not exist");
        XDocument document;
        try { document = XDocument.Load(path); }
        catch (XmlException e) { throw new CascadeFormatException($"'{path}' is not an OpenCV cascade: not valid XML ({e.Message})"); }
        catch (IOException e) { throw new CascadeFormatException($"'{path}' cannot be read: {e.Message}"); }
        return Parse(document, path);
    }

    public static HaarCascade Parse(XDocument document, string source)
    {
        var reader = new Reader(source);
        var root = document.Root is { Name.LocalName: "opencv_storage" } storage ? storage.Elements().FirstOrDefault() : null;
        if (root is null) return reader.Fail("no opencv_storage element with a cascade in it");
        if ((string?)root.Attribute("type_id") == "opencv-haar-classifier") return ParseOldFormat(root, reader, source);
        reader.Expect(reader.Text(root, "stageType"), "BOOST", "stageType");
        reader.Expect(reader.Text(root, "featureType"), "HAAR", "featureType");
        int width = reader.Int(reader.Text(root, "width"), "width"), height = reader.Int(reader.Text(root, "height"), "height");
        if (width < 3 || height < 3 || width > 1024 || height > 1024) reader.Fail($"window size {width}x{height} is out of range");

        var features = reader.Children(root, "features").Select((f, i) => reader.Feature(f, i, width, height)).ToArray();
        if (features.Length == 0) reader.Fail("no features");
        var stages = new List<HaarStage>();
        var trees = new List<HaarTree>();
        var nodes = new List<HaarNode>();
        var leaves = new List<float>();
        foreach (var (stage, s) in reader.Children(root, "stages").Select((e, i) => (e, i)))
        {
            var weak = reader.Children(stage, "weakClassifiers").ToList();
            if (weak.Count == 0) reader.Fail($"stage {s} has no weak classifiers");
            float threshold = (float)reader.Double(reader.Text(stage, "stageThreshold"), $"stage {s} threshold") - ThresholdMargin;
            stages.Add(new HaarStage(trees.Count, weak.Count, threshold));
            foreach (var (classifier, w) in weak.Select((e, i) => (e, i)))
                reader.Tree(classifier, $"stage {s} classifier {w}", features.Length, trees, nodes, leaves);
        }
        return Build(reader, source, width, height, features, stages, trees, nodes, leaves);
    }

    /// <summary>
    /// The pre-2.0 format (type_id opencv-haar-classifier), converted as OpenCV converts it on load:
    /// each node's feature appended to the feature list, its leaves numbered in the order they appear.
    /// </summary>
    static HaarCascade ParseOldFormat(XElement root, Reader reader, string source)
    {
        var size = reader.Text(root, "size").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (size.Length != 2) reader.Fail("<size> must be 'width height'");
        int width = reader.Int(size[0], "width"), height = reader.Int(size[1], "height");
        if (width < 3 || height < 3 || width > 1024 || height > 1024) reader.Fail($"window size {width}x{height} is out of range");
        var features = new List<(HaarFeature Feature, bool Tilted)>();
        var stages = new List<HaarStage>();
        var trees = new List<HaarTree>();
        var nodes = new List<HaarNode>();
        var leaves = new List<float>();
        foreach (var (stage, s) in reader.Children(root, "stages").Select((e, i) => (e, i)))
        {
            var stageTrees = reader.Children(stage, "trees").ToList();
            if (stageTrees.Count == 0) reader.Fail($"stage {s} has no trees");
            float threshold = (float)reader.Double(reader.Text(stage, "stage_threshold"), $"stage {s} threshold") - ThresholdMargin;
            stages.Add(new HaarStage(trees.Count, stageTrees.Count, threshold));
            foreach (var (tree, t) in stageTrees.Select((e, i) => (e, i)))
            {
                string what = $"stage {s} tree {t}";
                var treeNodes = tree.Elements("_").ToList();
                if (treeNodes.Count == 0) reader.Fail($"{what} has no nodes");
                trees.Add(new HaarTree(nodes.Count, leaves.Count));
                int treeLeaves = 0;
                int Child(XElement node, string side)
                {
                    if (node.Element(side + "_node") is { } child)
                    {
                        int index = reader.Int(child.Value.Trim(), $"{what} {side} node");
                        if (index <= 0 || index >= treeNodes.Count) reader.Fail($"{what}: {side} node {index} is not a node of its tree");
                        return index;
                    }
                    leaves.Add((float)reader.Double(reader.Text(node, side + "_val"), $"{what} {side} value"));
                    return -treeLeaves++;
                }
                foreach (var node in treeNodes)
                {
                    var feature = node.Element("feature") ?? throw new CascadeFormatException($"'{source}' is not a usable OpenCV Haar cascade: {what} has a node without a feature");
                    features.Add(reader.Feature(feature, features.Count, width, height));
                    float nodeThreshold = (float)reader.Double(reader.Text(node, "threshold"), $"{what} threshold");
                    int left = Child(node, "left"), right = Child(node, "right");
                    nodes.Add(new HaarNode(features.Count - 1, nodeThreshold, left, right));
                }
            }
        }
        return Build(reader, source, width, height, features, stages, trees, nodes, leaves);
    }

    static HaarCascade Build(Reader reader, string source, int width, int height, IReadOnlyList<(HaarFeature Feature, bool Tilted)> features,
        List<HaarStage> stages, List<HaarTree> trees, List<HaarNode> nodes, List<float> leaves)
    {
        if (stages.Count == 0) reader.Fail("no stages");
        return new HaarCascade
        {
            Source = source, WindowWidth = width, WindowHeight = height,
            Stages = stages.ToArray(), Trees = trees.ToArray(), Nodes = nodes.ToArray(), Leaves = leaves.ToArray(),
            Features = features.Select(f => f.Feature).ToArray(), HasTiltedFeatures = features.Any(f => f.Tilted),
        };
    }

    sealed class Reader(string source)
    {
        public HaarCascade Fail(string what) => throw new CascadeFormatException($"'{source}' is not a usable OpenCV Haar cascade: {what}");

        public string Text(XElement parent, string name) =>
            parent.Element(name)?.Value.Trim() ?? throw new CascadeFormatException($"'{source}' is not a usable OpenCV Haar cascade: <{name}> is missing");

        public IEnumerable<XElement> Children(XElement parent, string name) =>
            (parent.Element(name) ?? throw new CascadeFormatException($"'{source}' is not a usable OpenCV Haar cascade: <{name}> is missing")).Elements("_");

        public void Expect(string actual, string expected, string what)
        {
            if (actual != expected) Fail($"{what} is '{actual}'; only {expected} is supported");
        }

        public int Int(string text, string what) =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw Error($"{what} '{text}' is not an integer");

        public double Double(string text, string what) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw Error($"{what} '{text}' is not a number");

        CascadeFormatException Error(string what) => new($"'{source}' is not a usable OpenCV Haar cascade: {what}");

        static string[] Numbers(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

        public (HaarFeature Feature, bool Tilted) Feature(XElement element, int index, int width, int height)
        {
            var rects = Children(element, "rects").Select(r => Numbers(r.Value)).ToList();
            if (rects.Count is < 1 or > 3 || rects.Any(r => r.Length != 5)) throw Error($"feature {index} needs 1 to 3 rectangles of 'x y width height weight'");
            bool tilted = element.Element("tilted") is { } t && Int(t.Value.Trim(), $"feature {index} tilted flag") != 0;
            var parsed = new (HaarRect Rect, float Weight)[3];
            for (int i = 0; i < rects.Count; i++)
            {
                var r = new HaarRect(Int(rects[i][0], "x"), Int(rects[i][1], "y"), Int(rects[i][2], "width"), Int(rects[i][3], "height"));
                // Upright rectangles must lie in the window; tilted ones extend left and down by their height.
                bool inside = tilted
                    ? r.X - r.Height >= 0 && r.X + r.Width <= width && r.Y >= 0 && r.Y + r.Width + r.Height <= height
                    : r.X >= 0 && r.Y >= 0 && r.X + r.Width <= width && r.Y + r.Height <= height;
                if (r.Width < 0 || r.Height < 0 || !inside) throw Error($"feature {index} rectangle {i} ({r.X} {r.Y} {r.Width} {r.Height}) lies outside the {width}x{height} window");
                parsed[i] = (r, (float)Double(rects[i][4], $"feature {index} weight"));
            }
            return (new HaarFeature(parsed[0].Rect, parsed[1].Rect, parsed[2].Rect, parsed[0].Weight, parsed[1].Weight, parsed[2].Weight, tilted ? 1 : 0), tilted);
        }

        public void Tree(XElement classifier, string what, int featureCount, List<HaarTree> trees, List<HaarNode> nodes, List<float> leaves)
        {
            var internalNodes = Numbers(Text(classifier, "internalNodes"));
            var leafValues = Numbers(Text(classifier, "leafValues"));
            if (internalNodes.Length == 0 || internalNodes.Length % 4 != 0)
                throw Error($"{what}: internalNodes must be groups of 'left right feature threshold'");
            int nodeCount = internalNodes.Length / 4;
            if (leafValues.Length != nodeCount + 1) throw Error($"{what}: {nodeCount} nodes need {nodeCount + 1} leaf values, found {leafValues.Length}");
            trees.Add(new HaarTree(nodes.Count, leaves.Count));
            for (int n = 0; n < nodeCount; n++)
            {
                int left = Int(internalNodes[4 * n], $"{what} left"), right = Int(internalNodes[4 * n + 1], $"{what} right");
                int feature = Int(internalNodes[4 * n + 2], $"{what} feature");
                float threshold = (float)Double(internalNodes[4 * n + 3], $"{what} threshold");
                if (feature < 0 || feature >= featureCount) throw Error($"{what}: feature {feature} does not exist ({featureCount} features)");
                // A child is a later node of the same tree (> 0) or a leaf (<= 0): no cycles, nothing out of range.
                foreach (int child in new[] { left, right })
                    if (child > 0 ? child <= n || child >= nodeCount : -child > nodeCount)
                        throw Error($"{what}: node {n} points to {child}, which is not a later node or a leaf of its tree");
                nodes.Add(new HaarNode(feature, threshold, left, right));
            }
            foreach (var value in leafValues) leaves.Add((float)Double(value, $"{what} leaf"));
        }
    }
}
