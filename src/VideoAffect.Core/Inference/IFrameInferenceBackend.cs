namespace VideoAffect.Inference;

/// <summary>One frame's pixels and the crops on it to classify.</summary>
/// <param name="Bgr">Packed BGR24 pixels, Width * Height * 3 bytes.</param>
/// <param name="Crops">Rectangles inside the frame, in the order their probabilities come back.</param>
internal sealed record FrameFaces(ReadOnlyMemory<byte> Bgr, int Width, int Height, IReadOnlyList<FaceBox> Crops);

/// <summary>
/// A backend that preprocesses on its own device: each frame goes up once, the crops are cut,
/// resized and normalised there, and only probabilities come back.
/// </summary>
internal interface IFrameInferenceBackend : IInferenceBackend
{
    /// <summary>Fills <paramref name="probabilities"/> with classes values per crop, frames in order, crops in order.</summary>
    void RunOnFrames(IReadOnlyList<FrameFaces> frames, Span<float> probabilities);
}
