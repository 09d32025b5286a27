using VideoAffect.Records;

namespace VideoAffect.Live;

/// <summary>
/// Every stream's records on one stream of JSON lines (<c>monitor --records -</c>, or a pipe), each
/// naming its stream: a frame's records are written whole, one frame at a time, whichever stream's
/// thread writes them. A reader that goes away fails the writing stream's stage, which stops the
/// monitor as standard output's reader stops <c>analyze</c> (exit code 141).
/// </summary>
internal sealed class SharedRecordStream(Stream stream) : IDisposable
{
    readonly JsonlRecordWriter _writer = new(stream, withStream: true);
    readonly Lock _gate = new();

    /// <summary>A stream's writer onto the shared stream: it counts its own records, and closing it leaves the others writing.</summary>
    public IRecordWriter ForStream() => new StreamRecords(this);

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }

    sealed class StreamRecords(SharedRecordStream shared) : IRecordWriter
    {
        public long Records { get; private set; }

        public void Write(FrameRecord frame)
        {
            lock (shared._gate) shared._writer.Write(frame);
            Records += frame.Faces.Count;
        }

        public void Dispose() { }
    }
}
