namespace VideoAffect.Engine;

/// <summary>What an op's managed implementation is compiled for: the largest batch and the vector width allowed.</summary>
internal sealed record ManagedPlan(int MaxBatch, bool AllowAvx512);

/// <summary>
/// One op's managed run: <paramref name="inputs"/> are its input activations in the order of
/// <see cref="Layer.Inputs"/>, <paramref name="output"/> its own, each holding at least
/// <paramref name="batch"/> items in NHWC order.
/// </summary>
internal delegate void ManagedStep(float[][] inputs, float[] output, int batch);
