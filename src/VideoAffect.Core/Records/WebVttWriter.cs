using System.Globalization;
using System.Text;

namespace VideoAffect.Records;

/// <summary>
/// The faces' emotions as WebVTT captions (`analyze --captions NAME.vtt`): for each confirmed track,
/// one cue per stretch of the same shown (smoothed) label, from its first frame to the end of its
/// last, written "#1 happy" where the face was when the stretch began. A player shows them over the
/// annotated video, or over the source itself, which then needs no re-encoding (`-o /dev/null`);
/// the report's player shows them too. Times are the annotated video's: the source's, less
/// <c>origin</c> (a part's start).
/// </summary>
/// <remarks>
/// WebVTT wants cues in order of their start. A cue is known only once its stretch ends, so ended
/// cues wait until no open stretch started before them, and are then written and flushed: a run
/// that stops keeps every cue before its last moments, and <see cref="Dispose"/> ends the rest.
/// </remarks>
internal sealed class WebVttWriter : IRecordWriter
{
    /// <summary>A track gone for longer than this (two frames or more) ends its stretch, so a cue never spans a face's absence.</summary>
    const int GapFrames = 2;

    readonly StreamWriter _file;
    readonly double _origin, _frame;
    readonly int _width, _height;
    readonly Dictionary<int, Stretch> _open = [];
    readonly List<Stretch> _ended = [];

    sealed class Stretch(int track, string label, double start, FaceBox box)
    {
        public int Track { get; } = track;
        public string Label { get; } = label;
        public double Start { get; } = start;
        public FaceBox Box { get; } = box;
        public double LastTime { get; set; } = start;
    }

    /// <param name="origin">the source's time of the video's second 0</param>
    /// <param name="frameSeconds">a frame's duration: the last frame of a stretch shows for this long</param>
    /// <param name="width">the frames' width, for where a cue goes</param>
    /// <param name="height">the frames' height</param>
    public WebVttWriter(string path, double origin, double frameSeconds, int width, int height)
    {
        _file = new StreamWriter(OutputFiles.Create(path), new UTF8Encoding(false)) { NewLine = "\n" };
        (_origin, _frame, _width, _height) = (origin, frameSeconds, Math.Max(1, width), Math.Max(1, height));
        _file.Write("WEBVTT\n\n");
        _file.Flush();
    }

    public long Records { get; private set; }

    public void Write(FrameRecord frame)
    {
        var seen = new HashSet<int>();
        foreach (var face in frame.Faces)
        {
            if (face.Track == 0 || face.Tentative) continue; // an unconfirmed face is in no output
            seen.Add(face.Track);
            Records++;
            string label = face.Display.Label;
            if (_open.TryGetValue(face.Track, out var open) && open.Label == label && frame.Time - open.LastTime <= GapFrames * _frame * 1.01)
            {
                open.LastTime = frame.Time;
                continue;
            }
            if (open is not null) _ended.Add(open);
            _open[face.Track] = new Stretch(face.Track, label, frame.Time, face.Box);
        }
        // A track not in this frame for longer than the gap has ended its stretch.
        foreach (var (track, open) in _open.Where(o => !seen.Contains(o.Key) && frame.Time - o.Value.LastTime > GapFrames * _frame * 1.01).ToList())
        {
            _ended.Add(open);
            _open.Remove(track);
        }
        WriteReady(all: false);
    }

    /// <summary>Writes the ended cues that no open stretch starts before, in order of start (all of them at the end).</summary>
    void WriteReady(bool all)
    {
        if (_ended.Count == 0) return;
        double before = all || _open.Count == 0 ? double.PositiveInfinity : _open.Values.Min(o => o.Start);
        var ready = _ended.Where(c => c.Start <= before).OrderBy(c => c.Start).ThenBy(c => c.Track).ToList();
        if (ready.Count == 0) return;
        foreach (var cue in ready)
        {
            _ended.Remove(cue);
            // Centred under the face where the stretch began, in percent of the frame.
            double x = Math.Clamp(100.0 * (cue.Box.X + (cue.Box.Width / 2.0)) / _width, 0, 100);
            double y = Math.Clamp(100.0 * (cue.Box.Y + cue.Box.Height) / _height, 0, 100);
            _file.Write(string.Create(CultureInfo.InvariantCulture,
                $"{Time(cue.Start - _origin)} --> {Time(cue.LastTime + _frame - _origin)} position:{x:0.#}% line:{y:0.#}% align:center\n#{cue.Track} {cue.Label}\n\n"));
        }
        _file.Flush();
    }

    /// <summary>WebVTT's HH:MM:SS.mmm.</summary>
    static string Time(double seconds)
    {
        var t = TimeSpan.FromMilliseconds(Math.Round(Math.Max(0, seconds) * 1000));
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds:000}");
    }

    public void Dispose()
    {
        _ended.AddRange(_open.Values);
        _open.Clear();
        WriteReady(all: true);
        _file.Dispose();
    }
}
