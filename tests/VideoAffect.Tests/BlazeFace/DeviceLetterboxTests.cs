using ILGPU;
using ILGPU.Runtime;
using OpenCvSharp;
using VideoAffect.Detection;
using VideoAffect.Detection.BlazeFace;
using VideoAffect.Inference;
using VideoAffect.Kernels;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.BlazeFace;

/// <summary>
/// BlazeFace on an ILGPU backend letterboxes on the device (each frame uploaded once as bytes):
/// the kernel's views equal the host letterbox's within a gray level (OpenCV resizes in fixed
/// point, the kernel in float), tiles included. The detector on a device against the managed
/// path's faces is the GPU kit's check (its dry run, on ILGPU's CPU accelerator, is in GpuKit/).
/// </summary>
[Collection(Support.KernelSimulationCollection.Name)]
public class DeviceLetterboxTests
{
    [Fact]
    public unsafe void The_letterbox_kernel_gives_the_host_s_views_of_a_frame_and_its_tiles()
    {
        var spec = BlazeFaceModel.Load().Input;
        using var image = Cv2.ImRead(TestPaths.Photo("faces/sample1.jpg"), ImreadModes.Color);
        var pixels = new ReadOnlySpan<byte>((void*)image.Data, image.Width * image.Height * 3).ToArray();
        var regions = Tiling.Views(image.Width, image.Height, 2, 256); // the whole frame and 4 tiles
        Assert.Equal(5, regions.Count);
        var hostInput = new float[5 * spec.Shape.Size];
        var views = new LetterboxView[5];
        using (var letterbox = new LetterboxImage())
            for (int i = 0; i < 5; i++)
            {
                var l = letterbox.Fill(pixels, image.Width, image.Height, regions[i], spec, hostInput.AsSpan(i * spec.Shape.Size, spec.Shape.Size));
                views[i] = new LetterboxView(0, image.Width, l.Region.X, l.Region.Y, l.Region.Width, l.Region.Height, l.Width, l.Height, l.PadX, l.PadY);
            }

        using var accelerator = IlgpuRuntime.CreateCpuAccelerator();
        using var frame = accelerator.Allocate1D(pixels);
        using var geometry = accelerator.Allocate1D(views);
        using var output = accelerator.Allocate1D<float>(hostInput.Length);
        new LetterboxKernel(accelerator).Launch(accelerator.DefaultStream, 5, frame.View, geometry.View, output.View, 256, rgb: 1, spec.Divisor, spec.Offset);
        var deviceInput = output.GetAsArray1D();
        double worst = deviceInput.Zip(hostInput, (d, h) => Math.Abs(d - h)).Max();
        Assert.True(worst <= 1.01 / 127.5, $"device and host letterbox differ by up to {worst * 127.5:F2} gray levels");
    }
}
