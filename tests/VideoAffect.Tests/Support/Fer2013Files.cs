namespace VideoAffect.Tests.Support;

/// <summary>FER-2013-shaped CSV files written by tests (header emotion,pixels,Usage; 48x48 gray rows).</summary>
static class Fer2013Files
{
    public const int Side = 48;

    public static string Row(int label, byte[] pixels, string usage) => $"{label},{string.Join(' ', pixels)},{usage}";

    public static string Write(string path, IEnumerable<string> rows)
    {
        File.WriteAllLines(path, rows.Prepend("emotion,pixels,Usage"));
        return path;
    }

    /// <summary><paramref name="perClass"/> synthetic shapes per class as Training rows, then a malformed row.</summary>
    public static string Synthetic(string path, int perClass, int seed)
    {
        var shapes = new SyntheticShapes(Side, seed);
        var rows = new List<string>();
        for (int i = 0; i < perClass; i++)
            for (int label = 0; label < SyntheticShapes.Classes; label++)
                rows.Add(Row(label, shapes.Draw(label), "Training"));
        rows.Add("7,1 2 3,Training");
        return Write(path, rows);
    }
}
