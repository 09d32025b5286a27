using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using VideoAffect.Brokers.Mqtt;
using VideoAffect.Records;
using VideoAffect.Sinks;

namespace VideoAffect.Brokers.Webhook;

/// <summary>One POST: a track's event as JSON, and its type for the X-VideoAffect-Event header.</summary>
public readonly record struct WebhookMessage(string Type, byte[] Body);

/// <summary>
/// POSTs each track's event (new, update, end: the JSON of MQTT's PREFIX/events, with the track's
/// face as <c>face_jpeg</c> in new and end) to an http(s) URL, one request per event, in order: what Slack-style hooks, n8n, Node-RED's http-in, Zapier
/// and a site's own service take. A receiver that is down or answers 5xx, 408 or 429 gets the same
/// event again after a backoff (0.25 s doubling to 10 s) until it takes it, so an event is delivered
/// at least once (one whose answer timed out may come twice); the outbox meanwhile holds the events
/// that follow. 401 and 403 end the sink as a broker's refused credentials do (one line, exit code 2);
/// any other 4xx drops that event, counted with its status.
/// </summary>
public sealed class WebhookSink(PublishTarget target) : OutboxSink<WebhookMessage>(target.Name, capacity: 10_000)
{
    static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250), LongestRetry = TimeSpan.FromSeconds(10);
    static readonly ProductInfoHeaderValue Agent = new("videoaffect", typeof(WebhookSink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");
    readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
    TrackLifecycle? _tracks;
    string? _refused;
    bool _failing;

    /// <summary>Nothing to open: each event is a request of its own. Refused credentials end the sink here.</summary>
    protected override Task ConnectAsync(CancellationToken token) =>
        _refused is { } why ? throw new SinkRefusedException(why) : Task.CompletedTask;

    protected override async Task SendAsync(IReadOnlyList<WebhookMessage> batch, CancellationToken token)
    {
        foreach (var message in batch) await DeliverAsync(message, token);
    }

    async Task DeliverAsync(WebhookMessage message, CancellationToken token)
    {
        var wait = FirstRetry;
        while (true)
        {
            string why;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target.Endpoint) { Content = new ByteArrayContent(message.Body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.UserAgent.Add(Agent);
                request.Headers.Add("X-VideoAffect-Event", message.Type);
                if (target.User is not null)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{target.User}:{target.Password}")));
                using var response = await _http.SendAsync(request, token);
                int code = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    if (_failing) Run.Log?.Invoke($"{Name}: delivering again");
                    _failing = false;
                    return;
                }
                why = $"{code} {response.ReasonPhrase}".Trim();
                if (code is 401 or 403)
                {
                    // Ends the sink at its next connection, as a broker's refused credentials do.
                    _refused = $"the receiver refused the request ({why})";
                    throw new IOException(_refused);
                }
                if (code is >= 400 and < 500 and not (408 or 429))
                {
                    Rejected($"the receiver refused a {message.Type} event ({why})");
                    return;
                }
            }
            catch (HttpRequestException e) { why = OneLine(e); }
            catch (TaskCanceledException) when (!token.IsCancellationRequested) { why = $"no answer within {_http.Timeout.TotalSeconds:0} s"; }
            // Down, overloaded or slow: the same event again after a while; the run goes on.
            Counters.AddError(why);
            if (!_failing) Run.Log?.Invoke($"{Name}: cannot deliver ({why}); retrying, the run goes on");
            _failing = true;
            await Task.Delay(wait, token);
            wait = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, wait.Ticks * 2));
        }
    }

    protected override IEnumerable<WebhookMessage> Translate(FrameRecord record)
    {
        _tracks ??= new TrackLifecycle(Run.TrackEndFrames, Run.TrackFace);
        foreach (var e in _tracks.Observe(record)) yield return Message(e);
    }

    protected override IEnumerable<WebhookMessage> OnFinish(RunOutcome outcome) => (_tracks?.EndAll() ?? []).Select(Message);

    /// <summary>The event's JSON with its track's face inline: a receiver elsewhere cannot fetch it from us.</summary>
    static WebhookMessage Message(TrackEvent e) => new(e.Type, MqttPayloads.Event(e, withFace: true));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _http.Dispose();
    }
}
