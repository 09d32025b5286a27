using System.Globalization;
using ScottPlot;
using VideoAffect.Media;

namespace VideoAffect.Reports;

/// <summary>
/// How the report says when: in the source's own seconds, or, for a recording whose start is known
/// (`--recorded-at`), as times of day in the offset from UTC that start was given in (or this
/// machine's), so a camera's day reads as "a sad face at 14:32", not "at 23,520 s". Charts then
/// plot OLE Automation dates (what ScottPlot's date-time axis takes); the records keep both.
/// </summary>
internal sealed class ReportTimeAxis
{
    const double SecondsPerDay = 86400;
    /// <summary>The time of day of the source's second 0, in the shown offset; null: plain seconds.</summary>
    readonly DateTime? _zero;

    ReportTimeAxis(DateTime? zero, TimeSpan offset) => (_zero, Offset) = (zero, offset);

    /// <summary>Times in the source's seconds.</summary>
    public static readonly ReportTimeAxis Seconds = new(null, TimeSpan.Zero);

    /// <summary>Times of day for a video with a known start, else <see cref="Seconds"/>.</summary>
    public static ReportTimeAxis For(VideoInfo info) =>
        info.RecordedAt is { } start
            // Second 0 of the source is StartTime before the recording's first moment (an MPEG-TS starts at 1.4 s).
            ? new(start.DateTime.AddTicks(-(long)Math.Round(info.StartTime * TimeSpan.TicksPerSecond)), start.Offset)
            : Seconds;

    public bool IsClock => _zero is not null;
    public TimeSpan Offset { get; }

    /// <summary>The offset as people write it: UTC, UTC+01:00, UTC-05:00.</summary>
    public static string Zone(TimeSpan offset) =>
        offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}";

    /// <summary>The time of day of the source's time <paramref name="seconds"/>.</summary>
    public DateTime At(double seconds) => _zero!.Value.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    /// <summary>A chart's x for the source's time <paramref name="seconds"/>.</summary>
    public double X(double seconds) => _zero is null ? seconds : At(seconds).ToOADate();

    /// <summary>A chart's width for a stretch of <paramref name="seconds"/>.</summary>
    public double Width(double seconds) => _zero is null ? seconds : seconds / SecondsPerDay;

    /// <summary>
    /// The bottom axis of a chart over the source's times <paramref name="from"/> to <paramref name="to"/>:
    /// seconds, or times of day (24-hour, as ISO 8601 writes them, whatever the machine's culture; the
    /// date too where the chart crosses midnight).
    /// </summary>
    public void Apply(Plot plot, double from, double to)
    {
        if (_zero is not null)
        {
            var axis = plot.Axes.DateTimeTicksBottom();
            string day = At(from).Date != At(to).Date ? "MM-dd " : "";
            bool hours = to - from > 3600;
            var c = CultureInfo.InvariantCulture;
            ((ScottPlot.TickGenerators.DateTimeAutomatic)axis.TickGenerator).LabelFormatter =
                t => t.ToString(day + (t.Millisecond != 0 ? "HH:mm:ss.FFF" : hours && t.Second == 0 ? "HH:mm" : "HH:mm:ss"), c);
        }
        plot.Axes.Bottom.Label.Text = _zero is null ? "time (s)" : $"time of day ({Zone(Offset)})";
        plot.Axes.SetLimitsX(X(from), X(to));
    }

    /// <summary>From when to when, as the report's text says it.</summary>
    public string Span(double from, double to, string secondsFormat = "0.0")
    {
        var c = CultureInfo.InvariantCulture;
        if (_zero is null) return string.Create(c, $"{from.ToString(secondsFormat, c)}-{to.ToString(secondsFormat, c)} s");
        string format = At(from).Date == At(to).Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss";
        return $"{At(from).ToString(format, c)}-{At(to).ToString(format, c)}";
    }
}
