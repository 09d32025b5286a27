using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VideoAffect.Tests.Support;

/// <summary>
/// A real broker process from Debian (installed by ./setup.sh) on a free 127.0.0.1 port, with its
/// own files in a temp folder; <see cref="Kill"/> and <see cref="Start"/> again on the same port
/// play a broker that crashes and comes back.
/// </summary>
abstract class BrokerProcess : IDisposable
{
    readonly TempFolder _folder = new();
    Process? _process;

    protected BrokerProcess() => Port = RtspTestServer.FreePort();

    public int Port { get; }
    protected string Folder => _folder.Path;
    protected abstract string Program { get; }
    protected abstract IEnumerable<string> Arguments();

    public void Start()
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Arguments()) start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Program} did not start (run ./setup.sh)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!Accepts(Port))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Program} exited at start (code {_process.ExitCode})");
            if (clock.Elapsed > TimeSpan.FromSeconds(15)) throw new InvalidOperationException($"{Program} did not listen on {Port} within 15 s");
            Thread.Sleep(50);
        }
    }

    /// <summary>SIGKILL: every client loses its connection at once, nothing is said goodbye.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    public void Dispose()
    {
        Kill();
        _folder.Dispose();
    }
}

/// <summary>
/// mosquitto 2.0; with a user, anonymous clients are refused and only that password is accepted;
/// with <paramref name="tls"/>, its listener speaks TLS only, with that certificate.
/// </summary>
sealed class MosquittoServer : BrokerProcess
{
    readonly (string User, string Password)? _account;
    readonly TestCertificates? _tls;

    public MosquittoServer((string User, string Password)? account = null, TestCertificates? tls = null)
    {
        _account = account;
        _tls = tls;
        var config = new List<string> { $"listener {Port} 127.0.0.1" };
        if (tls is not null) config.AddRange([$"cafile {tls.Ca}", $"certfile {tls.ServerCertificate}", $"keyfile {tls.ServerKey}"]);
        config.AddRange(["persistence false", "log_dest stderr"]);
        if (account is { } a)
        {
            string passwords = Path.Combine(Folder, "passwords");
            ProcessRunner.Tool("mosquitto_passwd", "-b", "-c", passwords, a.User, a.Password);
            config.AddRange(["allow_anonymous false", $"password_file {passwords}"]);
        }
        else config.Add("allow_anonymous true");
        File.WriteAllLines(Path.Combine(Folder, "mosquitto.conf"), config);
        Start();
    }

    public string Url(string prefix, string query = "") => $"mqtt://127.0.0.1:{Port}/{prefix}{query}";
    protected override string Program => "/usr/sbin/mosquitto";
    protected override IEnumerable<string> Arguments() => ["-c", Path.Combine(Folder, "mosquitto.conf")];

    /// <summary>mosquitto_sub's credentials for this server, and the CA it trusts it by.</summary>
    public IEnumerable<string> ClientArguments() =>
        (_account is { } a ? new[] { "-u", a.User, "-P", a.Password } : []).Concat(_tls is { } t ? ["--cafile", t.Ca] : []);
}

/// <summary>redis-server 7.0, in memory only, or with <c>persistent</c> an append-only file that a restart (<see cref="BrokerProcess.Start"/> after a kill) reads back, as a cluster's Redis runs.</summary>
sealed class RedisServer : BrokerProcess
{
    readonly bool _persistent;
    readonly TestCertificates? _tls;
    readonly string? _password;

    /// <param name="tls">a certificate to speak TLS only with (clients need none of their own)</param>
    /// <param name="password">a password clients must give (requirepass)</param>
    public RedisServer(bool persistent = false, TestCertificates? tls = null, string? password = null)
    {
        _persistent = persistent;
        _tls = tls;
        _password = password;
        Start();
    }

    public string Url(string stream) => $"redis://127.0.0.1:{Port}/{stream}";
    protected override string Program => "/usr/bin/redis-server";
    protected override IEnumerable<string> Arguments() =>
        [.. _tls is { } t
            ? new[] { "--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", t.ServerCertificate, "--tls-key-file", t.ServerKey, "--tls-ca-cert-file", t.Ca, "--tls-auth-clients", "no" }
            : ["--port", Port.ToString()],
         "--bind", "127.0.0.1", "--save", "", "--dir", Folder,
         .. _password is { } password ? new[] { "--requirepass", password } : [],
         .. _persistent ? new[] { "--appendonly", "yes", "--appendfsync", "always" } : ["--appendonly", "no"]];

    /// <summary>redis-cli (Debian's client, not ours) on this server, over TLS if it speaks it; its output.</summary>
    public string Cli(params string[] command) =>
        ProcessRunner.Tool("redis-cli", [.. "-h 127.0.0.1 -p".Split(' '), Port.ToString(), .. _tls is { } t ? new[] { "--tls", "--cacert", t.Ca } : [],
            .. _password is { } password ? new[] { "--no-auth-warning", "-a", password } : [], .. command]);
}

/// <summary>
/// A certificate authority of the test's own and a server certificate it signed for 127.0.0.1
/// (subjectAltName IP; or <paramref name="serverAddress"/>), made with Debian's openssl, as a home lab sets up its broker's TLS.
/// </summary>
sealed class TestCertificates
{
    public TestCertificates(TempFolder dir, string name, string serverAddress = "127.0.0.1")
    {
        string File(string suffix) => dir.File($"{name}-{suffix}");
        (Ca, ServerCertificate, ServerKey) = (File("ca.crt"), File("server.crt"), File("server.key"));
        string extensions = File("server.ext");
        System.IO.File.WriteAllText(extensions, $"subjectAltName=IP:{serverAddress}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        ProcessRunner.Tool("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={name} test CA", "-keyout", File("ca.key"), "-out", Ca);
        ProcessRunner.Tool("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={serverAddress}", "-keyout", ServerKey, "-out", File("server.csr"));
        ProcessRunner.Tool("openssl", "x509", "-req", "-in", File("server.csr"), "-CA", Ca, "-CAkey", File("ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", extensions, "-out", ServerCertificate);
        // mosquitto started as root reads its key after it has dropped to its own user; openssl writes keys for their owner only.
        System.IO.File.SetUnixFileMode(ServerKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>The CA's certificate (PEM): what a client trusts the server by.</summary>
    public string Ca { get; }
    public string ServerCertificate { get; }
    public string ServerKey { get; }
}

/// <summary>
/// mosquitto_sub (Debian's client, not ours) subscribed at QoS 1, collecting each message's topic
/// and payload as they arrive (the payload written in hex, so a binary one, a JPEG, comes whole).
/// Started before a run, it sees the run's messages in the order the broker sent them.
/// </summary>
sealed class MqttSubscriber : IDisposable
{
    readonly Process _process;
    readonly List<(string Topic, byte[] Payload)> _messages = new();

    public MqttSubscriber(MosquittoServer server, string topic, bool retainedOnly = false)
    {
        var start = new ProcessStartInfo("mosquitto_sub") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", server.Port.ToString(), "-q", "1", "-t", topic, "-F", "%t %x" }.Concat(server.ClientArguments()))
            start.ArgumentList.Add(a);
        if (retainedOnly) start.ArgumentList.Add("--retained-only");
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            int space = line.IndexOf(' ');
            lock (_messages) _messages.Add(space < 0 ? (line, []) : (line[..space], Convert.FromHexString(line[(space + 1)..])));
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // The subscription is made once the client has connected; give it that moment.
        Thread.Sleep(300);
    }

    /// <summary>Every message so far, its payload as UTF-8 text.</summary>
    public IReadOnlyList<(string Topic, string Payload)> Messages { get { lock (_messages) return _messages.Select(m => (m.Topic, Encoding.UTF8.GetString(m.Payload))).ToList(); } }

    public IEnumerable<string> On(string topic) => Messages.Where(m => m.Topic == topic).Select(m => m.Payload);

    /// <summary>The payloads on a topic as they came, bytes (a binary message: a JPEG).</summary>
    public IReadOnlyList<byte[]> BytesOn(string topic) { lock (_messages) return _messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList(); }

    /// <summary>Waits until a message on the topic arrives (or the time is up) and returns what came.</summary>
    public IReadOnlyList<(string Topic, string Payload)> WaitFor(Func<IReadOnlyList<(string Topic, string Payload)>, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!done(Messages) && clock.Elapsed < timeout) Thread.Sleep(50);
        return Messages;
    }

    public void Dispose()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
    }
}
