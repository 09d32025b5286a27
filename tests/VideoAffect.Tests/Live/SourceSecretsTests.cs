using System.Text.Json;
using VideoAffect.Live;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// A camera's password (in its URL's user part, or as a password=/token= value) is shown nowhere:
/// not in messages, logs, the JSON summary (the same as /streams and the live page) or cluster
/// status. ffmpeg repeats the URL in its own errors, so those are masked too.
/// </summary>
public class SourceSecretsTests
{
    [Theory]
    [InlineData("rtsp://admin:s3cret@10.0.0.5:554/Streaming/Channels/101", "rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101")]
    [InlineData("cannot open 'rtsp://admin:s3cret@10.0.0.5/stream': rtsp://admin:s3cret@10.0.0.5/stream: Server returned 401 Unauthorized (authorization failed)",
        "cannot open 'rtsp://admin:***@10.0.0.5/stream': rtsp://admin:***@10.0.0.5/stream: Server returned 401 Unauthorized (authorization failed)")]
    [InlineData("rtsp://admin:p@ss:w0rd@10.0.0.5/cam", "rtsp://admin:***@10.0.0.5/cam")] // an '@' in the password, unescaped
    [InlineData("rtsp://10.0.0.7:554/user=admin&password=s3cret&channel=1&stream=0.sdp", "rtsp://10.0.0.7:554/user=admin&password=***&channel=1&stream=0.sdp")]
    [InlineData("https://cdn.example.com/live.m3u8?token=abc123&X-Amz-Signature=f00d", "https://cdn.example.com/live.m3u8?token=***&X-Amz-Signature=***")]
    [InlineData("rtsp://viewer@10.0.0.5/stream", "rtsp://viewer@10.0.0.5/stream")] // a user without a password: nothing to hide
    [InlineData("/videos/monkey=1.mp4", "/videos/monkey=1.mp4")]                 // not a secret's name
    [InlineData("/dev/video0", "/dev/video0")]
    public void Passwords_and_secret_values_are_masked_and_nothing_else(string text, string shown) =>
        Assert.Equal(shown, SourceSecrets.Redact(text));

    [Fact]
    public void Monitor_shows_a_cameras_url_without_its_password_in_messages_and_summary()
    {
        int rtsp = RtspTestServer.FreePort(), http = RtspTestServer.FreePort();
        var r = ProcessRunner.Cli(["monitor", $"cam=rtsp://admin:s3cretPW@127.0.0.1:{rtsp}/stream", $"web=http://127.0.0.1:{http}/live.m3u8?token=t0ken123",
            "--duration", "3", "--json", "--backend", "cpu"], timeoutSeconds: 60);
        Assert.Equal(1, r.ExitCode); // neither ever delivered a frame
        Assert.Contains("connection refused", r.StandardError, StringComparison.OrdinalIgnoreCase);
        foreach (var secret in new[] { "s3cretPW", "t0ken123" })
        {
            Assert.DoesNotContain(secret, r.StandardError);
            Assert.DoesNotContain(secret, r.StandardOutput);
        }
        using var summary = JsonDocument.Parse(r.StandardOutput);
        var streams = summary.RootElement.GetProperty("streams");
        Assert.Equal($"rtsp://admin:***@127.0.0.1:{rtsp}/stream", streams[0].GetProperty("source").GetString());
        Assert.Equal($"http://127.0.0.1:{http}/live.m3u8?token=***", streams[1].GetProperty("source").GetString());
        Assert.Contains("***", streams[0].GetProperty("last_error").GetString());
    }
}
