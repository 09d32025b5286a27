using ScottPlot;

namespace VideoAffect.Reports;

/// <summary>
/// The report's charts as ScottPlot models (one model gives the PNG and the SVG, and tests read
/// the data points from it): the emotion timeline of the whole video, label shares overall and per
/// track, and each track's shown probabilities over time. Colours come from <see cref="EmotionPalette"/>;
/// times are the source's seconds or, for a recording whose start is known, times of day (<see cref="ReportTimeAxis"/>).
/// </summary>
internal static class ReportCharts
{
    public const int Width = 900;
    /// <summary>Tracks shorter than this are usually detector false positives; they are counted, not charted.</summary>
    public const int MinTrackRecords = 10;
    public const int MaxTracks = 12;
    const int TimelineBins = 120;

    /// <summary>The tracks that get a chart: at least <see cref="MinTrackRecords"/> records, the longest <see cref="MaxTracks"/>, in order of appearance.</summary>
    public static IReadOnlyList<ReportTrack> ChartedTracks(ReportData data) =>
        data.Tracks.Values.Where(t => t.Records >= MinTrackRecords).OrderByDescending(t => t.Records).Take(MaxTracks).OrderBy(t => t.FirstTime).ToList();

    /// <summary>The source's seconds the timeline's axis runs over: from the first face record to the last.</summary>
    public static (double From, double To) TimelineSpan(ReportData data)
    {
        double start = double.IsNaN(data.FirstTime) ? 0 : data.FirstTime;
        return (start, start + Math.Max(data.Duration, 1e-3));
    }

    /// <summary>The source's seconds a track's chart runs over.</summary>
    public static (double From, double To) TrackSpan(ReportTrack track) => (track.FirstTime, Math.Max(track.LastTime, track.FirstTime + 1e-3));

    /// <summary>Which emotion the faces show most in each stretch of the video (blank where there is no face): 120 stretches, or one per frame in a shorter clip.</summary>
    public static Plot Timeline(ReportData data, string title)
    {
        var plot = NewPlot(title);
        var (start, end) = TimelineSpan(data);
        double span = end - start;
        // No more stretches than frames: a short clip's empty stretches would read as moments without a face.
        int bins = (int)Math.Clamp(data.Frames, 1, TimelineBins);
        double width = span / bins;
        var counts = new long[bins, data.Labels.Count];
        foreach (var (time, label) in data.Shown)
            counts[Math.Clamp((int)((time - start) / width), 0, bins - 1), label]++;
        var bars = new List<Bar>();
        var shown = new SortedSet<int>();
        for (int bin = 0; bin < bins; bin++)
        {
            int best = -1;
            for (int l = 0; l < data.Labels.Count; l++)
                if (counts[bin, l] > 0 && (best < 0 || counts[bin, l] > counts[bin, best])) best = l;
            if (best < 0) continue;
            shown.Add(best);
            // A hair wider than the bin, so neighbours of one colour read as one band (no anti-aliased seams).
            bars.Add(new Bar { Position = data.Time.X(start + (bin + 0.5) * width), Size = data.Time.Width(width * 1.05), Value = 1, FillColor = EmotionPalette.Chart(data.Labels[best], best), LineWidth = 0 });
        }
        plot.Add.Bars(bars);
        data.Time.Apply(plot, start, end);
        plot.Axes.SetLimitsY(0, 1);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plot.Grid.YAxisStyle.IsVisible = false;
        Legend(plot, data, shown);
        return plot;
    }

    /// <summary>Share of face records shown with each label: all faces on the first row, then each charted track.</summary>
    public static Plot Shares(ReportData data, IReadOnlyList<ReportTrack> tracks)
    {
        var plot = NewPlot("label shares");
        var rows = new List<(string Name, IReadOnlyList<long> Counts)> { ("all faces", data.LabelCounts) };
        rows.AddRange(tracks.Select(t => ($"#{t.Id}", t.LabelRecords)));
        var bars = new List<Bar>();
        for (int row = 0; row < rows.Count; row++)
        {
            double total = Math.Max(1, rows[row].Counts.Sum()), from = 0;
            for (int l = 0; l < data.Labels.Count; l++)
            {
                double share = 100 * rows[row].Counts[l] / total;
                if (share <= 0) continue;
                bars.Add(new Bar { Position = -row, ValueBase = from, Value = from + share, Size = 0.7, FillColor = EmotionPalette.Chart(data.Labels[l], l), LineWidth = 0 });
                from += share;
            }
        }
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.SetLimits(0, 100, -rows.Count + 0.5, 0.5);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows.Count).Select(r => (double)-r).ToArray(), rows.Select(r => r.Name).ToArray());
        plot.Axes.Bottom.Label.Text = "share of the face records (%)";
        plot.Grid.YAxisStyle.IsVisible = false;
        Legend(plot, data, Enumerable.Range(0, data.Labels.Count).Where(l => data.LabelCounts[l] > 0));
        return plot;
    }

    public static int SharesHeight(int rows) => 110 + 34 * rows;

    /// <summary>A track's shown (smoothed) probability of each emotion over time.</summary>
    public static Plot Track(ReportData data, ReportTrack track)
    {
        var plot = NewPlot($"track #{track.Id}: {data.Time.Span(track.FirstTime, track.LastTime)}, {track.Records} records, mostly {data.Labels[track.Dominant]}");
        double[] times = track.Series.Select(p => data.Time.X(p.Time)).ToArray();
        for (int l = 0; l < data.Labels.Count; l++)
        {
            int label = l;
            var line = plot.Add.ScatterLine(times, track.Series.Select(p => (double)p.Probabilities[label]).ToArray(), EmotionPalette.Chart(data.Labels[l], l));
            line.LineWidth = 2;
            line.LegendText = data.Labels[l];
        }
        var (from, to) = TrackSpan(track);
        data.Time.Apply(plot, from, to);
        plot.Axes.SetLimitsY(0, 1);
        plot.Axes.Left.Label.Text = "probability";
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Title(title, size: 15);
        plot.Font.Set(Fonts.Sans);
        return plot;
    }

    static void Legend(Plot plot, ReportData data, IEnumerable<int> labels)
    {
        plot.Legend.ManualItems.AddRange(labels.Select(l => new LegendItem { LabelText = data.Labels[l], FillColor = EmotionPalette.Chart(data.Labels[l], l) }));
        plot.ShowLegend(Edge.Right);
    }
}
