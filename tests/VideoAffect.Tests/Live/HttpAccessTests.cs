using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Live;

/// <summary>
/// The monitor's HTTP endpoint behind a password (`--http-credentials FILE`, HTTP Basic) and over
/// TLS (`--http-cert`, `--http-key`): every path answers 401 without the password or with a wrong
/// one, and serves with the right one; https serves the certificate given. Before 0.18 anyone who
/// could connect saw the previews and, with --control, could add streams.
/// </summary>
public class HttpAccessTests
{
    static string Credentials(TempFolder dir, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = dir.File("credentials");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    static AuthenticationHeaderValue Basic(string userColonPassword) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userColonPassword)));

    [Fact]
    public async Task Every_path_needs_the_password_over_https_with_the_certificate_given()
    {
        using var dir = TestPaths.NewTempFolder();
        string clip = Clips.MovingFace(dir.File("cam.mp4"), 20, fps: 10, width: 320, height: 240, audio: false);
        // A self-signed certificate for 127.0.0.1, as PEM files, made here.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=videoaffect-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(dir.File("cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(dir.File("key.pem"), key.ExportPkcs8PrivateKeyPem());
        int port = RtspTestServer.FreePort();
        using var cli = new RunningCli(["monitor", $"cam={clip}", "--loop", "--backend", "cpu", "--control", "--http", $"127.0.0.1:{port}",
            "--http-credentials", Credentials(dir, "viewer:s3cret pass\n"), "--http-cert", dir.File("cert.pem"), "--http-key", dir.File("key.pem")]);
        await cli.WaitForAsync($"serving https://127.0.0.1:{port}/", TimeSpan.FromSeconds(60));
        await cli.WaitForAsync("cam: connected", TimeSpan.FromSeconds(60));

        string? served = null;
        using var handler = new HttpClientHandler
        {
            // Trust exactly the certificate given to the monitor.
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => (served = cert?.Thumbprint) == certificate.Thumbprint,
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };
        foreach (string path in new[] { "/", "/streams", "/metrics", "/streams/cam/snapshot.jpg" })
        {
            using var none = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Basic realm=\"VideoAffect\", charset=\"UTF-8\"", none.Headers.WwwAuthenticate.ToString());
            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = Basic("viewer:guess") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
            using var right = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = Basic("viewer:s3cret pass") } };
            using var answer = await http.SendAsync(right);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path}: {answer.StatusCode}");
        }
        Assert.Equal(certificate.Thumbprint, served);
        // Control too: adding a stream without the password is refused, and nothing is added.
        using (var add = await http.PostAsync("/streams", new StringContent($"door={clip}")))
            Assert.Equal(HttpStatusCode.Unauthorized, add.StatusCode);
        using (var streams = new HttpRequestMessage(HttpMethod.Get, "/streams") { Headers = { Authorization = Basic("viewer:s3cret pass") } })
            Assert.DoesNotContain("\"door\"", await (await http.SendAsync(streams)).Content.ReadAsStringAsync());
        // Plain http on the same port gets nothing.
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<Exception>(() => plain.GetStringAsync("/streams"));
        Assert.Equal(0, cli.Terminate(TimeSpan.FromSeconds(20)).ExitCode);
    }

    [Theory]
    [InlineData("viewer:secret", 0b110_100_100, "can be read by every user of this machine; make it yours alone (chmod 600)")]
    [InlineData("no colon here", 0b110_000_000, "must hold one line, USER:PASSWORD")]
    [InlineData("viewer:", 0b110_000_000, "must hold one line, USER:PASSWORD")]
    public void A_credentials_file_that_would_not_protect_is_refused_with_one_line(string text, int mode, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        string path = Credentials(dir, text, (UnixFileMode)mode);
        var r = ProcessRunner.Cli(["monitor", TestPaths.Photo("astronaut.png"), "--http", "127.0.0.1:0", "--http-credentials", path]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"videoaffect: error: --http-credentials '{path}' {expected}", r.StandardError.Trim());
    }

    [Fact]
    public void A_credentials_certificate_or_key_file_that_is_missing_or_a_folder_is_said_to_be_so()
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("cert.pem"), "");
        foreach (var (options, expected) in new[]
        {
            (new[] { "--http-credentials", "viewers.txt" }, "--http-credentials 'viewers.txt' does not exist; give the file that holds USER:PASSWORD"),
            (["--http-credentials", dir.Path], $"--http-credentials '{dir.Path}' is a folder; give the file that holds USER:PASSWORD"),
            (["--http-cert", "site.pem", "--http-key", "site.key"], "--http-cert 'site.pem' does not exist; give the file that holds the certificate (PEM)"),
            (["--http-cert", "cert.pem", "--http-key", dir.Path], $"--http-key '{dir.Path}' is a folder; give the file that holds its private key (PEM)"),
        })
        {
            var r = ProcessRunner.Cli(["monitor", TestPaths.Photo("astronaut.png"), "--http", "127.0.0.1:0", .. options], workingDirectory: dir.Path);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"videoaffect: error: {expected}", r.StandardError.Trim());
        }
    }
}
