using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace VideoAffect.Kernels.Training;

/// <summary>
/// Softmax cross-entropy on logits, one thread per batch row: writes the probabilities, the row's
/// loss (-log p[label]), its predicted class, and the gradient of the mean loss with respect to
/// the logits, (p - onehot(label)) / batch.
/// </summary>
internal sealed class SoftmaxCrossEntropyKernel
{
    readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int> _kernel;

    public SoftmaxCrossEntropyKernel(Accelerator accelerator) =>
        _kernel = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>(Execute);

    public void Launch(AcceleratorStream stream, int rows, int classes, ArrayView<float> logits, ArrayView<int> labels,
        ArrayView<float> probabilities, ArrayView<float> logitGradient, ArrayView<float> losses, ArrayView<int> predictions) =>
        _kernel(stream, rows, logits, labels.SubView(0, rows), probabilities, logitGradient, losses, predictions, classes);

    static void Execute(Index1D row, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> probabilities,
        ArrayView<float> gradient, ArrayView<float> losses, ArrayView<int> predictions, int classes)
    {
        int offset = row * classes, rows = (int)labels.Length; // the launcher passes exactly one label per row
        float max = float.NegativeInfinity;
        int best = 0;
        for (int j = 0; j < classes; j++)
            if (logits[offset + j] > max) { max = logits[offset + j]; best = j; }
        float sum = 0f;
        for (int j = 0; j < classes; j++)
            sum += XMath.Exp(logits[offset + j] - max);
        int label = labels[row];
        for (int j = 0; j < classes; j++)
        {
            float p = XMath.Exp(logits[offset + j] - max) / sum;
            probabilities[offset + j] = p;
            gradient[offset + j] = (p - (j == label ? 1f : 0f)) / rows;
        }
        // log-sum-exp form keeps the loss finite when p[label] underflows
        losses[row] = XMath.Log(sum) + max - logits[offset + label];
        predictions[row] = best;
    }
}
