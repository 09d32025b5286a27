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
}
