using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace VideoAffect.Model.Onnx;

/// <summary>
/// Our network exported to ONNX and run by OpenCV's DNN module (CPU): the reference engine for
/// speed comparisons and an independent implementation for correctness checks.
/// </summary>
internal sealed class OpenCvDnnRunner : IDisposable
{
    readonly Net _net;
    readonly TensorShape _shape;
    readonly int _classes;

    public OpenCvDnnRunner(Network network)
    {
        _shape = network.InputShape;
        _classes = network.ClassCount;
        _net = CvDnn.ReadNetFromOnnx(OnnxExporter.Export(network))
            ?? throw new ModelFormatException("OpenCV DNN could not read the exported ONNX model");
        _net.SetPreferableBackend(Backend.OPENCV);
        _net.SetPreferableTarget(Target.CPU);
    }

    /// <summary>Same contract as the backends: NHWC input items in, probabilities out.</summary>
    public unsafe void Run(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        // With one channel, NHWC and NCHW order the values identically.
        if (_shape.Channels != 1) throw new NotSupportedException("the OpenCV DNN runner feeds single-channel inputs");
        using var blob = new Mat([batch, 1, _shape.Height, _shape.Width], MatType.CV_32F);
        input[..(batch * _shape.Size)].CopyTo(new Span<float>((void*)blob.Data, batch * _shape.Size));
        _net.SetInput(blob);
        using var result = _net.Forward();
        new ReadOnlySpan<float>((void*)result.Data, batch * _classes).CopyTo(output);
    }

    public void Dispose() => _net.Dispose();
}
