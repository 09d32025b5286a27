using OpenCvSharp;

namespace VideoAffect.Tests.Support;

/// <summary>Frames with transparent and half-transparent columns, and what they are composed over black: the reference for every reader of pictures with alpha.</summary>
static class TransparentFrames
{
    /// <summary>
    /// PNG frames of the moving-face clip; with <paramref name="transparentLeft"/> &gt; 0, that many
    /// columns on the left fully transparent, as many after them half (alpha 128), the rest opaque.
    /// </summary>
    public static List<string> Make(TempFolder dir, int count, int transparentLeft)
    {
        string clip = Clips.MovingFace(dir.File("frames.mp4"), frames: count, fps: 10, width: 320, height: 240, audio: false);
        string filter = transparentLeft > 0
            ? $"format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,{transparentLeft}),0,if(lt(X,{2 * transparentLeft}),128,255))'"
            : "format=rgb24";
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-vf", filter, dir.File("f%02d.png"));
        var files = Enumerable.Range(1, count).Select(i => dir.File($"f{i:00}.png")).ToList();
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        return files;
    }

    /// <summary>A PNG composed over black, as BGR: each colour times its alpha / 255, rounded.</summary>
    public static Mat OverBlack(string png)
    {
        using var image = Cv2.ImRead(png, ImreadModes.Unchanged);
        if (image.Channels() == 3) return image.Clone();
        Assert.Equal(4, image.Channels());
        image.GetArray(out Vec4b[] bgra);
        var bgr = bgra.Select(p => new Vec3b(Over(p.Item0, p.Item3), Over(p.Item1, p.Item3), Over(p.Item2, p.Item3))).ToArray();
        var result = new Mat(image.Rows, image.Cols, MatType.CV_8UC3);
        result.SetArray(bgr);
        return result;
    }

    static byte Over(byte colour, byte alpha) => (byte)((colour * alpha + 127) / 255);
}
