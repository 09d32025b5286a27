using VideoAffect.Engine.Onnx;

namespace VideoAffect.Engine;

/// <summary>
/// One op of a model graph. Inputs are indices of earlier layers in <see cref="Network.Layers"/>,
/// which is in topological order, so a backend runs the layers front to back. Each op keeps in its
/// own file (Engine/Ops) its shape rule (the constructor), its managed SIMD implementation, its
/// ILGPU launch and its ONNX mapping; a backend asks every layer for its implementation when it
/// compiles the network, and an op without one for that backend is refused there, by name.
/// </summary>
public abstract class Layer
{
    private protected Layer(string name, int[] inputs, TensorShape outputShape)
    {
        Name = name;
        Inputs = inputs;
        OutputShape = outputShape;
    }

    /// <summary>The layer's name in its model (the TF.js or ONNX node name).</summary>
    public string Name { get; }
    /// <summary>Indices of the layers this one reads, all earlier in <see cref="Network.Layers"/>.</summary>
    public IReadOnlyList<int> Inputs { get; }
    /// <summary>Shape of one batch item of the layer's output.</summary>
    public TensorShape OutputShape { get; }
    /// <summary>The op's name in messages (Conv2D, Pad, ...).</summary>
    public virtual string Op => GetType().Name.EndsWith("Layer") ? GetType().Name[..^"Layer".Length] : GetType().Name;
    /// <summary>Multiply-adds per batch item, for FLOP accounting in benchmarks.</summary>
    public virtual long MultiplyAdds => 0;

    /// <summary>The op on the managed CPU path, or null where it has none.</summary>
    internal virtual ManagedStep? Managed(ManagedPlan plan) => null;

    /// <summary>The op as ILGPU launches, or null where it has none.</summary>
    internal virtual IlgpuStep? Ilgpu(IlgpuPlan plan) => null;

    /// <summary>Writes the op as ONNX nodes; false where there is no mapping.</summary>
    internal virtual bool ExportOnnx(OnnxNodeWriter onnx) => false;
}

/// <summary>Raised when a backend or format meets an op it has no implementation of.</summary>
public sealed class UnsupportedOpException(Layer layer, string backend)
    : VideoAffectException($"op {layer.Op} ('{layer.Name}') has no implementation on the {backend} backend");
