namespace VideoAffect.Tests.Support;

/// <summary>Fresh random inputs on every run; the seed goes into failure messages so a failure can be replayed.</summary>
sealed class RandomData
{
    readonly Random _random;

    public RandomData(int? seed = null)
    {
        Seed = seed ?? Random.Shared.Next();
        _random = new Random(Seed);
    }

    public int Seed { get; }

    public float[] Floats(int count, float scale = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(_random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    public byte[] Bytes(int count)
    {
        var values = new byte[count];
        _random.NextBytes(values);
        return values;
    }

    /// <summary>A whole number in [min, max).</summary>
    public int Int(int min, int max) => _random.Next(min, max);
}
