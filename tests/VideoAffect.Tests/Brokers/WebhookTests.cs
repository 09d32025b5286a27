using System.Net;
using System.Text;
using System.Text.Json;
using VideoAffect.Tests.Support;
using static VideoAffect.Tests.Brokers.BrokerRecords;

namespace VideoAffect.Tests.Brokers;

/// <summary>
/// `--publish https://...`: each track's events POSTed to a webhook, against a real HTTP receiver
/// (.NET's HttpListener on a free 127.0.0.1 port) that answers as it is told: one new and one end
/// per track of the records, each the JSON MQTT's events topic carries, in order, new and end with
/// the track's face (checked against the clip's own frames); a receiver that
/// answers 503 gets the same event again until it takes it; 401 stops the run with one line; 404
/// drops the events, counted; an anonymizing run sends no faces.
/// </summary>
public sealed class WebhookTests
{
    /// <summary>What the receiver got: method, path and query, headers, body, and what it answered.</summary>
    sealed record Received(string Method, string PathAndQuery, string? ContentType, string? Authorization, string? Event, string Body, int Status);

    /// <summary>An HTTP receiver answering each request with the next status of <paramref name="statuses"/> (the last one from then on).</summary>
    sealed class Receiver : IDisposable
    {
        readonly HttpListener _listener = new();
        readonly List<Received> _got = [];
        readonly Task _serving;

        public Receiver(params int[] statuses)
        {
            Port = RtspTestServer.FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _serving = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var context = await _listener.GetContextAsync();
                        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                        string body = await reader.ReadToEndAsync();
                        int status;
                        lock (_got) status = statuses[Math.Min(_got.Count, statuses.Length - 1)];
                        lock (_got) _got.Add(new Received(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.ContentType,
                            context.Request.Headers["Authorization"], context.Request.Headers["X-VideoAffect-Event"], body, status));
                        context.Response.StatusCode = status;
                        context.Response.Close();
                    }
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
            });
        }

        public int Port { get; }
        public List<Received> Got { get { lock (_got) return [.. _got]; } }

        public void Dispose()
        {
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public void Each_tracks_events_reach_the_webhook_once_in_order_after_the_receiver_comes_back()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 60, fps: 15, audio: false);
        using var receiver = new Receiver(503, 503, 200); // down for its first two answers
        string url = $"http://hook:s3cret@127.0.0.1:{receiver.Port}/hooks/va?token=abc";
        var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--json", "--publish", url]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.DoesNotContain("s3cret", run.StandardError + run.StandardOutput); // nor the token:
        Assert.DoesNotContain("token=abc", run.StandardError + run.StandardOutput);

        var got = receiver.Got;
        Assert.All(got, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/hooks/va?token=abc", r.PathAndQuery);
            Assert.Equal("application/json; charset=utf-8", r.ContentType);
            Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("hook:s3cret")), r.Authorization);
            Assert.Equal(Json(r.Body).GetProperty("type").GetString(), r.Event);
        });
        // The first event was refused twice and sent again, the same bytes; then each once.
        Assert.Equal([503, 503, 200], got.Take(3).Select(r => r.Status));
        Assert.Equal(got[0].Body, got[2].Body);
        var delivered = got.Where(r => r.Status == 200).Select(r => Json(r.Body)).ToList();
        Assert.Single(run.StandardError.Split('\n'), l => l.Contains("cannot deliver (503 Service Unavailable); retrying, the run goes on"));
        Assert.Contains("delivering again", run.StandardError);

        // One new and one end per track of the records, as MQTT's events topic has them.
        var tracks = ByTrack(File.ReadAllLines(dir.File("out.jsonl")));
        Assert.NotEmpty(tracks);
        var events = OneNewAndOneEndPerTrack(tracks, delivered);
        foreach (var track in tracks)
        {
            var mine = events[track.Key];
            Assert.Equal(track.Count(), mine[^1].GetProperty("after").GetProperty("frames").GetInt32());
            // New and end carry the track's face: its first classified face, then its most confident.
            EventFaces.AssertIsFaceOf(FaceOf(mine[0]), clip, EventFaces.FirstClassified(track), dir.Path);
            EventFaces.AssertIsFaceOf(FaceOf(mine[^1]), clip, EventFaces.MostConfident(track), dir.Path);
            Assert.All(mine.Where(e => e.GetProperty("type").GetString() == "update"), e => Assert.False(e.TryGetProperty("face_jpeg", out _)));
        }
        var sink = Sink(Json(run.StandardOutput), "http");
        Assert.Equal($"http://hook@127.0.0.1:{receiver.Port}/hooks/va", sink.GetProperty("name").GetString());
        Assert.Equal(delivered.Count, sink.GetProperty("sent").GetInt32());
        Assert.Equal(0, sink.GetProperty("dropped").GetInt32());
    }

    static byte[] FaceOf(JsonElement e) => Convert.FromBase64String(e.GetProperty("face_jpeg").GetString()!);

    [Fact]
    public void A_receiver_that_refuses_stops_the_run_with_one_line_and_one_that_has_no_such_hook_drops_its_events_without_faces_when_anonymizing()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("lobby.mp4"), 30, fps: 15, audio: false);
        using (var refusing = new Receiver(401))
        {
            var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("refused.mp4"), "--backend", "cpu", "--publish", $"http://127.0.0.1:{refusing.Port}/hook"]);
            Assert.Equal(2, run.ExitCode);
            string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("videoaffect: error:", StringComparison.Ordinal));
            Assert.Contains($"http://127.0.0.1:{refusing.Port}/hook: the receiver refused the request (401 Unauthorized)", line);
            Assert.False(File.Exists(dir.File("refused.mp4")), "a failed run leaves no finished output");
        }
        using (var missing = new Receiver(404))
        {
            // Anonymizing too: its events carry no faces.
            var run = ProcessRunner.Cli(["analyze", clip, "-o", dir.File("out.mp4"), "--backend", "cpu", "--json", "--publish", $"http://127.0.0.1:{missing.Port}/nohook",
                "--anonymize", "fill"]);
            Assert.True(run.ExitCode == 0, run.StandardError);
            Assert.All(missing.Got, r => Assert.False(Json(r.Body).TryGetProperty("face_jpeg", out _)));
            var sink = Sink(Json(run.StandardOutput), "http");
            Assert.Equal(0, sink.GetProperty("sent").GetInt32());
            Assert.Equal(missing.Got.Count, sink.GetProperty("dropped").GetInt32());
            Assert.True(missing.Got.Count >= 2, "a new and an end at least");
        }
    }
}
