using System.Diagnostics;
using System.Numerics;
using ILGPU.Runtime;

namespace VideoAffect.Kernels;

/// <summary>
/// An op's launches by the tactic (kernel or kernel variant) that runs it fastest on this device,
/// as cuDNN's benchmark mode and TensorRT's tactic selection choose theirs: the first launch of a
/// batch size class (the powers of two: 1, 2, 3-4, 5-8, ...) times every tactic on the launch's own
/// buffers and keeps the fastest for the class; another tactic must beat the default by
/// <see cref="Margin"/>. The op's tactics compute the same outputs (each is tested against
/// float64), so the choice changes the speed, never the results beyond float32 rounding. Timing
/// costs a few launches per tactic, once per class (not yet measured on a GPU).
/// </summary>
internal sealed class TacticTimer<TTactic> : ITacticChoices where TTactic : struct, Enum
{
    /// <summary>A tactic other than the default must beat it by this share to be chosen: at small batches a launch takes about as long as its timing's noise.</summary>
    public const double Margin = 0.03;

    /// <summary>
    /// The tactic chosen for batches up to <paramref name="MaxBatch"/>, each tactic's time per launch,
    /// and why any tactic other than the default could not run (it is then never chosen).
    /// </summary>
    public sealed record Choice(int MaxBatch, TTactic Tactic, IReadOnlyDictionary<TTactic, double> Seconds, IReadOnlyDictionary<TTactic, string> Failures);

    readonly TTactic _default;
    readonly IReadOnlyList<TTactic> _tactics;
    readonly Func<TTactic, AcceleratorStream, Action, double> _time;
    readonly Dictionary<int, Choice> _choices = new();
    readonly Lock _lock = new();

    /// <param name="tactics">the tactics this op may take (the default among them)</param>
    /// <param name="time">seconds one launch by a tactic takes (the tests give their own clock); by default the best of three, timed on the device</param>
    public TacticTimer(TTactic @default, IReadOnlyList<TTactic> tactics, Func<TTactic, AcceleratorStream, Action, double>? time = null)
    {
        if (!tactics.Contains(@default)) throw new ArgumentException("the default must be one of the tactics", nameof(tactics));
        _default = @default;
        _tactics = tactics;
        _time = time ?? BestOfThree;
    }

    public TTactic Default => _default;

    /// <summary>
    /// False: launches take the default, untimed, and no choice is kept (the GPU kit checks the
    /// defaults, the kernels measured before, first, and lets the variants run only afterwards, so
    /// that an untried variant cannot spoil the device for every check).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The choices made so far, smallest batch class first.</summary>
    public IReadOnlyList<Choice> Choices
    {
        get { lock (_lock) return _choices.Values.OrderBy(c => c.MaxBatch).ToList(); }
    }

    IReadOnlyList<TacticChoice> ITacticChoices.Made => Choices
        .Select(c => new TacticChoice(c.MaxBatch, TacticNames.Of(c.Tactic), c.Seconds.Select(s => (TacticNames.Of(s.Key), s.Value)).ToList(),
            c.Failures.Select(f => (TacticNames.Of(f.Key), f.Value)).ToList()))
        .ToList();

    /// <summary>The batch's launch, by <paramref name="launch"/> with the tactic chosen for its class (timing them all first, the first time).</summary>
    public void Launch(AcceleratorStream stream, int batch, Action<TTactic> launch)
    {
        if (!Enabled)
        {
            launch(_default);
            return;
        }
        int maxBatch = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, batch));
        Choice? choice;
        lock (_lock)
        {
            if (!_choices.TryGetValue(maxBatch, out choice) && _tactics.Count == 1)
                _choices[maxBatch] = choice = new Choice(maxBatch, _default, new Dictionary<TTactic, double>(), new Dictionary<TTactic, string>()); // nothing to choose: no timing
            else if (choice is null)
            {
                var seconds = new Dictionary<TTactic, double>();
                var failures = new Dictionary<TTactic, string>();
                foreach (var tactic in _tactics)
                {
                    // A variant the device refuses (a launch asking for more registers or shared memory
                    // than a group may have) is left out, not the run failed; the default's failure is the op's.
                    try { seconds[tactic] = _time(tactic, stream, () => launch(tactic)); }
                    catch (Exception e) when (!EqualityComparer<TTactic>.Default.Equals(tactic, _default) && e is not OutOfMemoryException)
                    {
                        seconds[tactic] = double.PositiveInfinity;
                        failures[tactic] = $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
                    }
                }
                var fastest = seconds.MinBy(s => s.Value).Key;
                _choices[maxBatch] = choice = new Choice(maxBatch, seconds[fastest] < (1 - Margin) * seconds[_default] ? fastest : _default, seconds, failures);
            }
        }
        launch(choice.Tactic);
    }

    /// <summary>
    /// No timing, the default chosen: for ILGPU's CPU accelerator, where the tests run a GPU's path
    /// and a simulated GPU's times say nothing of a real one's (every tactic is tested on its own,
    /// against float64, and the choice with a clock the tests set).
    /// </summary>
    public static Func<TTactic, AcceleratorStream, Action, double> DefaultOnly(TTactic @default) =>
        (tactic, _, _) => EqualityComparer<TTactic>.Default.Equals(tactic, @default) ? 0 : double.PositiveInfinity;

    /// <summary>One launch to warm up, then the fastest of three, each waited for (the launch's cost to the stream, overhead included).</summary>
    static double BestOfThree(TTactic tactic, AcceleratorStream stream, Action launch)
    {
        launch();
        stream.Synchronize();
        double best = double.MaxValue;
        for (int r = 0; r < 3; r++)
        {
            long started = Stopwatch.GetTimestamp();
            launch();
            stream.Synchronize();
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return best;
    }
}
