using System.Threading.Channels;
using VideoAffect.Media;
using VideoAffect.Sinks;

namespace VideoAffect.Pipeline;

/// <summary>
/// Offers each frame's records to the run's event sinks and passes the frame on. Offering never
/// waits; a sink that throws is counted against that sink alone. A sink that can never work (its
/// broker refused the credentials) stops the run with its one line.
/// </summary>
internal sealed class SinkStage(EventSinks sinks)
{
    public async Task RunAsync(ChannelReader<VideoFrame> input, ChannelWriter<VideoFrame> output, CancellationToken token)
    {
        Exception? error = null;
        try
        {
            await foreach (var frame in input.ReadUntilEndAsync(token))
            {
                try
                {
                    if (sinks.FatalError is { } fatal) throw new VideoAffectException(fatal);
                    if (frame.Record is { } record)
                        foreach (var sink in sinks.All)
                        {
                            try { sink.Offer(record); }
                            catch (Exception e) { sink.Counters.AddError(e.Message); }
                        }
                }
                catch { frame.Dispose(); throw; }
                await output.WriteAsync(frame, token);
            }
        }
        catch (Exception e) { error = e; throw; }
        finally { output.TryComplete(error ?? input.UpstreamError()); }
    }
}
