namespace VideoAffect.Kernels.Training;

/// <summary>Index arithmetic the backward passes of windowed ops share.</summary>
internal static class WindowMath
{
    /// <summary>
    /// The output position whose window puts tap offset 0 at padded coordinate
    /// <paramref name="shifted"/> (= input + pad - tap), or -1 when none does: the stride must
    /// divide it and the output must exist.
    /// </summary>
    public static int OutputFor(int shifted, int stride, int outputs)
    {
        if (shifted < 0 || shifted % stride != 0) return -1;
        int o = shifted / stride;
        return o < outputs ? o : -1;
    }
}
