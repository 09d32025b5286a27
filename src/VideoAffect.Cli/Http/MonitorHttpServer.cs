using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using VideoAffect.Live;

namespace VideoAffect.Cli.Http;

/// <summary>
/// The monitor's HTTP endpoint (ASP.NET Core minimal API): /metrics in Prometheus text format
/// (the monitor's System.Diagnostics.Metrics instruments through OpenTelemetry's exporter),
/// /streams as JSON, /streams/NAME/preview.mjpg as a live annotated MJPEG stream,
/// /streams/NAME/snapshot.jpg, /streams/NAME/tracks/ID.jpg (a recent track's face), and a page at /
/// listing the streams with their current emotions.
/// With <see cref="StreamControl"/> (`monitor --control`), POST /streams with NAME=SOURCE as the body
/// adds a stream and DELETE /streams/NAME removes one (its records closed before the answer).
/// Every path may be put behind a password and served over TLS (<see cref="HttpAccess"/>).
/// </summary>
public sealed class MonitorHttpServer : IAsyncDisposable
{
    readonly WebApplication _app;

    MonitorHttpServer(WebApplication app, string address, bool controlled, HttpAccess access)
    {
        _app = app;
        Address = address;
        Controlled = controlled;
        _access = access;
    }

    readonly HttpAccess _access;

    /// <summary>http, or https with a certificate.</summary>
    string Scheme => _access.Certificate is null ? "http" : "https";

    /// <summary>Whether streams can be added and removed over HTTP (--control).</summary>
    public bool Controlled { get; }

    /// <summary>host:port actually listened on (port 0 picks a free one).</summary>
    public string Address { get; }

    /// <summary>Whether others on the network can reach it (not a loopback address): worth a warning, since nothing is authenticated.</summary>
    public bool ReachableFromNetwork =>
        IPAddress.TryParse(Address[..Address.LastIndexOf(':')].Trim('[', ']'), out var ip) && !IPAddress.IsLoopback(ip);

    /// <summary>
    /// Tells the user where it listens. The warning comes first, so that whoever reads "serving"
    /// (a person or a script waiting for that line) has already been told what it exposes.
    /// </summary>
    public void Announce(Action<string> log)
    {
        if (ReachableFromNetwork && !_access.Authenticated)
            Console.Error.WriteLine($"videoaffect: warning: {Scheme}://{Address}/ is reachable from the network, without authentication: anyone who can connect sees the cameras' previews" +
                (Controlled ? " and, with --control, can add and remove streams (any URL or video file this machine can open)" : "") + " (use 127.0.0.1 to keep it local, or give --http-credentials)");
        else if (ReachableFromNetwork && _access.Certificate is null)
            Console.Error.WriteLine($"videoaffect: warning: http://{Address}/ asks for a password, which crosses the network unencrypted, as do the previews; give --http-cert and --http-key to serve https");
        log($"serving {Scheme}://{Address}/ (metrics, streams, previews){(_access.Authenticated ? ", with a password" : "")}");
    }

    public static async Task<MonitorHttpServer> StartAsync(LiveMonitor monitor, string address, HttpAccess? access = null, StreamControl? control = null)
    {
        access ??= HttpAccess.Open;
        var endpoint = ParseAddress(address);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The monitor owns Ctrl-C and SIGTERM; the web host must not answer them by itself.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, CommandOwnedLifetime>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(LiveMetrics.MeterName)
            .AddView("videoaffect_latency", new ExplicitBucketHistogramConfiguration { Boundaries = LiveMetrics.LatencyBuckets })
            .AddPrometheusExporter());
        if (access.Certificate is { } certificate)
        {
            // The slim builder leaves HTTPS out unless asked.
            builder.WebHost.UseKestrelHttpsConfiguration();
            int colon = endpoint.LastIndexOf(':');
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(endpoint[..colon].Trim('[', ']')), int.Parse(endpoint[(colon + 1)..]),
                listen => listen.UseHttps(certificate)));
        }
        else builder.WebHost.UseUrls($"http://{endpoint}");
        var app = builder.Build();
        // Every path, the page and /metrics included, behind the credentials when there are some.
        app.Use(async (context, next) =>
        {
            if (access.Admit(context)) await next(context);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/streams", () => Results.Text(MonitorSummary.Live(monitor).ToJson(), "application/json"));
        app.MapGet("/streams/{name}/snapshot.jpg", (string name) =>
            monitor.Previews.TryGetValue(name, out var hub) && hub.Latest is { } jpeg ? Results.Bytes(jpeg, "image/jpeg") : Results.NotFound());
        app.MapGet("/streams/{name}/preview.mjpg", (string name, HttpContext context) => PreviewAsync(monitor, name, context));
        // A track's face at its most confident classification: what an event's receiver shows beside "#3 angry".
        app.MapGet("/streams/{name}/tracks/{track:int}.jpg", (string name, int track, HttpContext context) =>
        {
            if (!monitor.Previews.TryGetValue(name, out var hub) || hub.Faces.Of(track) is not { } jpeg) return Results.NotFound();
            // A few seconds: the live page asks again each second, and a track's face may still get better.
            context.Response.Headers.CacheControl = "max-age=5";
            return Results.Bytes(jpeg, "image/jpeg");
        });
        app.MapGet("/", () => Results.Content(StatusPage.Html(monitor), "text/html; charset=utf-8"));
        if (control is not null)
        {
            app.MapPost("/streams", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                string text = (await reader.ReadToEndAsync()).Trim();
                try
                {
                    var spec = LiveSourceSpec.Parse(text, monitor.Streams.Count);
                    if (monitor.Streams.Any(s => s.Name == spec.Name))
                        return Results.Text($"a stream named '{spec.Name}' is already watched\n", statusCode: StatusCodes.Status409Conflict);
                    control.Add(spec);
                    return Results.Text($"{spec.Name}\n", statusCode: StatusCodes.Status201Created);
                }
                catch (VideoAffectException e)
                {
                    return Results.Text(e.Message + "\n", statusCode: StatusCodes.Status400BadRequest);
                }
            });
            app.MapDelete("/streams/{name}", async (string name) =>
                await control.Remove(name) ? Results.Text($"{name} removed\n") : Results.Text($"no stream named '{name}'\n", statusCode: StatusCodes.Status404NotFound));
        }
        try { await app.StartAsync(); }
        catch (IOException e) { throw new VideoAffectException($"cannot serve HTTP on {endpoint}: {e.Message}"); }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressNotAvailable)
        {
            throw new VideoAffectException($"cannot serve HTTP on {endpoint}: {e.Message.TrimEnd('.')} (it is not an address of this machine; 0.0.0.0 takes them all)");
        }
        catch (System.Net.Sockets.SocketException e) { throw new VideoAffectException($"cannot serve HTTP on {endpoint}: {e.Message}"); }
        string actual = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.Replace("https://", "").Replace("http://", "") ?? endpoint;
        return new MonitorHttpServer(app, actual, control is not null, access);
    }

    /// <summary>127.0.0.1:8080, localhost:8080, :8080 (loopback) or 0.0.0.0:8080 (every interface, on purpose only).</summary>
    static string ParseAddress(string text)
    {
        int colon = text.LastIndexOf(':');
        string host = colon > 0 ? text[..colon] : "127.0.0.1";
        if (host == "localhost") host = "127.0.0.1";
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 0 or > 65535 || !IPAddress.TryParse(host.Trim('[', ']'), out _))
            throw new VideoAffectException($"--http '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:8080)");
        return $"{host}:{port}";
    }

    static async Task PreviewAsync(LiveMonitor monitor, string name, HttpContext context)
    {
        if (!monitor.Previews.TryGetValue(name, out var hub))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        const string boundary = "videoaffect-frame";
        context.Response.ContentType = $"multipart/x-mixed-replace; boundary={boundary}";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        using var watching = hub.Watch();
        // Headers now, not with the first picture: the browser knows at once what is coming.
        await context.Response.StartAsync(context.RequestAborted);
        var token = context.RequestAborted;
        long seen = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var (jpeg, version) = await hub.NextAsync(seen, token);
                seen = version;
                var header = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n");
                await context.Response.Body.WriteAsync(header, token);
                await context.Response.Body.WriteAsync(jpeg, token);
                await context.Response.Body.WriteAsync("\r\n"u8.ToArray(), token);
                await context.Response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) { } // the viewer left or the server is stopping
    }

    public async ValueTask DisposeAsync()
    {
        // Open previews never end by themselves: give them two seconds, then cut them.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>A host lifetime that leaves signals alone: the command stops the server when the monitor stops.</summary>
sealed class CommandOwnedLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
