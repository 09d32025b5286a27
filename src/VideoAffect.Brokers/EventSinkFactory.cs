using VideoAffect.Brokers.Mqtt;
using VideoAffect.Brokers.Redis;
using VideoAffect.Brokers.Webhook;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers;

/// <summary>The event sinks a command's <c>--publish</c> URLs (and <c>--faces</c> folder) name, checked before the run starts.</summary>
public static class EventSinkFactory
{
    public static EventSinks Create(IEnumerable<string> urls, string? facesFolder = null, TimeSpan? facesKeep = null)
    {
        var targets = urls.Select(PublishTarget.Parse).ToList();
        if (targets.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new VideoAffectException($"--publish '{twice.Key}' is given twice");
        var sinks = targets.Select(Create).ToList();
        if (facesKeep is not null && facesFolder is null) throw new VideoAffectException("--faces-keep limits the faces of --faces DIR; give --faces too");
        if (facesFolder is not null) sinks.Add(new Files.FaceFolderSink(facesFolder, facesKeep));
        return new EventSinks(sinks);
    }

    static IEventSink Create(PublishTarget target) => target.Scheme switch
    {
        "mqtt" or "mqtts" => new MqttEventSink(target),
        "redis" or "rediss" => new RedisStreamSink(target),
        "http" or "https" => new WebhookSink(target),
        _ => throw new VideoAffectException($"--publish: unknown scheme '{target.Scheme}'"),
    };
}
