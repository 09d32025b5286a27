using VideoAffect.Brokers.Mqtt;
using VideoAffect.Brokers.Redis;
using VideoAffect.Brokers.Webhook;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers;

/// <summary>The event sinks a command's <c>--publish</c> URLs name, checked before the run starts.</summary>
public static class EventSinkFactory
{
    public static EventSinks Create(IEnumerable<string> urls)
    {
        var targets = urls.Select(PublishTarget.Parse).ToList();
        if (targets.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new VideoAffectException($"--publish '{twice.Key}' is given twice");
        return new EventSinks(targets.Select(Create).ToList());
    }

    static IEventSink Create(PublishTarget target) => target.Scheme switch
    {
        "mqtt" => new MqttEventSink(target),
        "redis" => new RedisStreamSink(target),
        "http" or "https" => new WebhookSink(target),
        _ => throw new VideoAffectException($"--publish: unknown scheme '{target.Scheme}'"),
    };
}
