namespace VideoAffect.Kernels;

/// <summary>
/// OpenCV 4's BGR2GRAY for 8-bit pixels: 0.114 B + 0.587 G + 0.299 R in 15-bit fixed point, rounded,
/// so kernels that convert on the device produce the gray levels the CPU path gets from cvtColor.
/// </summary>
internal static class OpenCvGray
{
    public static int FromBgr(int b, int g, int r) => (b * 3735 + g * 19235 + r * 9798 + (1 << 14)) >> 15;
}
