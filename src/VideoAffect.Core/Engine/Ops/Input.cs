namespace VideoAffect.Engine;

/// <summary>The graph's input: the batch the caller hands over, which every backend writes in place.</summary>
internal sealed class InputLayer(string name, TensorShape shape) : Layer(name, [], shape);
