using VideoAffect.Cluster;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Cluster;

/// <summary>
/// A cluster whose Redis wants a password and speaks TLS only, as a managed Redis does: a node
/// joins it and `cluster status` reads it through <c>rediss://:PASSWORD@HOST:PORT?ca=FILE</c>,
/// against a real redis-server with requirepass and a certificate from a CA openssl makes here;
/// every way of getting it wrong is one line, said before Orleans is asked; the password is never shown.
/// </summary>
public class ClusterRedisAccessTests
{
    /// <summary>A password with the characters a URL must escape, and a space, sent as it is.</summary>
    const string Password = "p@ss w:rd/1";

    [Fact]
    public async Task A_node_joins_a_cluster_whose_Redis_wants_a_password_and_speaks_TLS_only()
    {
        using var dir = TestPaths.NewTempFolder();
        var certificates = new TestCertificates(dir, "cluster");
        using var redis = new RedisServer(tls: certificates, password: Password);
        string cluster = $"rediss://:{Uri.EscapeDataString(Password)}@127.0.0.1:{redis.Port}?ca={certificates.Ca}";
        using (var node = new RunningCli(["node", "--cluster", cluster, "--name", "a", "--backend", "cpu", "--records", dir.File("records")]))
        {
            await node.WaitForAsync("node a joined the cluster", TimeSpan.FromSeconds(90));
            var status = ProcessRunner.Cli(["cluster", "status", "--cluster", cluster], timeoutSeconds: 90);
            Assert.True(status.ExitCode == 0, status.StandardError);
            Assert.Contains("nodes: a (", status.StandardOutput); // "(0 cameras, ...)" until its first report says how many it takes
            // Orleans keeps its membership in that Redis: read back with Debian's redis-cli over TLS, with the password.
            Assert.NotEmpty(redis.Cli("--scan").Trim());
            var (_, output) = node.Terminate(TimeSpan.FromSeconds(60));
            foreach (string said in new[] { node.StandardError, output, status.StandardOutput, status.StandardError })
                Assert.DoesNotContain("p@ss", said);
            Assert.Contains($"rediss://127.0.0.1:{redis.Port}", node.StandardError); // the address, as messages show it
        }
    }

    [Fact]
    public void Each_wrong_way_to_reach_it_is_one_line_before_Orleans_is_asked()
    {
        using var dir = TestPaths.NewTempFolder();
        var certificates = new TestCertificates(dir, "cluster");
        using var secured = new RedisServer(tls: certificates, password: Password);
        using var plain = new RedisServer();
        string escaped = Uri.EscapeDataString(Password), ca = $"?ca={certificates.Ca}";
        foreach (var (address, line) in new[]
        {
            ($"rediss://:wrong@127.0.0.1:{secured.Port}{ca}", "Redis refused the password (WRONGPASS)"),
            ($"rediss://127.0.0.1:{secured.Port}{ca}", $"Redis wants a password (give it in the address: rediss://:PASSWORD@127.0.0.1:{secured.Port})"),
            ($"rediss://:{escaped}@127.0.0.1:{secured.Port}", "Redis's certificate is not trusted by this system, or is not for this host (a Redis with a CA of its own: give it with ?ca=FILE)"),
            ($"redis://:{escaped}@127.0.0.1:{secured.Port}", "Redis did not answer (the connection was closed without a reply; is redis-server running there? (one that speaks TLS only wants rediss://))"),
            ($"rediss://127.0.0.1:{plain.Port}{ca}", "Redis did not answer over TLS (a Redis that does not speak it wants redis://)"),
        })
        {
            var r = ProcessRunner.Cli(["cluster", "status", "--cluster", address], timeoutSeconds: 60);
            Assert.Equal(2, r.ExitCode);
            string said = Assert.Single(r.StandardError.Trim().Split('\n'));
            Assert.Equal($"videoaffect: error: cannot reach the cluster at {ClusterAddress.Parse(address)}: {line}", said);
            Assert.DoesNotContain("p@ss", said);
        }
    }

    [Theory]
    [InlineData("redis://:pw@cache.local:7000", "redis://cache.local:7000", null, "pw", false)]
    [InlineData("redis://app:p%3Aw%40x@cache.local", "redis://cache.local:6379", "app", "p:w@x", false)]
    [InlineData("redis://secret@cache.local", "redis://cache.local:6379", null, "secret", false)]
    [InlineData("rediss://cache.local", "rediss://cache.local:6379", null, null, true)]
    [InlineData("redis://10.0.0.3:6380/", "redis://10.0.0.3:6380", null, null, false)]
    public void An_address_gives_host_port_credentials_and_TLS_and_is_shown_without_its_password(string text, string shown, string? user, string? password, bool tls)
    {
        var address = ClusterAddress.Parse(text);
        Assert.Equal((shown, user, password, tls), (address.ToString(), address.User, address.Password, address.Tls));
        var redis = address.Redis();
        Assert.Equal((user, password, tls), (redis.User, redis.Password, redis.Ssl));
    }

    [Theory]
    [InlineData("http://cache.local", "--cluster 'http://cache.local' is not redis://[:PASSWORD@]HOST[:PORT] (or rediss:// for TLS)")]
    [InlineData("redis://:pw@cache.local/0", "--cluster 'redis://:***@cache.local/0' names a path; the cluster's Redis is given as HOST[:PORT] alone")]
    [InlineData("redis://cache.local?ca=ca.pem", "--cluster 'redis://cache.local?ca=ca.pem' has an unknown option 'ca' (a rediss:// address takes ca=FILE; a redis:// one none)")]
    [InlineData("rediss://cache.local?db=2", "--cluster 'rediss://cache.local?db=2' has an unknown option 'db' (known: ca=FILE)")]
    [InlineData("rediss://:pw@cache.local?ca=/nowhere/ca.pem", "--cluster 'rediss://cache.local:6379': its CA file '/nowhere/ca.pem' does not exist")]
    public void A_wrong_address_is_refused_as_such(string text, string message) =>
        Assert.Equal(message, Assert.Throws<VideoAffectException>(() => ClusterAddress.Parse(text)).Message);
}
