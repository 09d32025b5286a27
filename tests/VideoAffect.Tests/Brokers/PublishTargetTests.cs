using VideoAffect.Brokers;

namespace VideoAffect.Tests.Brokers;

public sealed class PublishTargetTests
{
    [Theory]
    [InlineData("mqtt://cam:pw@broker.local/site", "mqtt://cam@broker.local:1883/site", "cam", "pw")]
    [InlineData("mqtt://10.0.0.5:1884", "mqtt://10.0.0.5:1884/videoaffect", null, null)]
    [InlineData("redis://:p%40ss@127.0.0.1/va:records?maxlen=5000", "redis://127.0.0.1:6379/va:records", "", "p@ss")]
    [InlineData("redis://cache", "redis://cache:6379/videoaffect:records", null, null)]
    // A webhook: named without its query (a token) and password; its path and query kept for the request.
    [InlineData("https://hook:pw@hooks.example.com/services/T0/B1?token=XYZ", "https://hook@hooks.example.com:443/services/T0/B1", "hook", "pw")]
    [InlineData("http://127.0.0.1:8123/api/webhook/va", "http://127.0.0.1:8123/api/webhook/va", null, null)]
    public void Urls_give_host_port_path_and_credentials_and_a_name_without_the_password(string url, string name, string? user, string? password)
    {
        var target = PublishTarget.Parse(url);
        Assert.Equal(name, target.Name);
        Assert.Equal(user, target.User);
        Assert.Equal(password, target.Password);
        Assert.DoesNotContain("pw", target.Name.Replace("//", ""));
    }

    [Fact]
    public void A_webhook_is_posted_to_as_given_without_its_credentials()
    {
        var target = PublishTarget.Parse("https://hook:pw@hooks.example.com/services/T0/B1?token=XYZ&x=1#frag");
        Assert.True(target.IsWebhook);
        Assert.Equal("https://hooks.example.com/services/T0/B1?token=XYZ&x=1", target.Endpoint!.AbsoluteUri);
        Assert.DoesNotContain("XYZ", target.Name);
        var e = Assert.Throws<VideoAffectException>(() => PublishTarget.Parse("ftp://h/p"));
        Assert.Contains("mqtt://, mqtts://, redis://, rediss:// and http(s):// (a webhook) are supported", e.Message);
    }

    [Fact]
    public void Options_are_read_and_checked()
    {
        Assert.True(PublishTarget.Parse("mqtt://h/p?records=true").Flag("records"));
        Assert.False(PublishTarget.Parse("mqtt://h/p").Flag("records"));
        Assert.Equal(5000, PublishTarget.Parse("redis://h/s?maxlen=5000").Number("maxlen", 1));
        Assert.Equal(7, PublishTarget.Parse("redis://h/s").Number("maxlen", 7));
        var e = Assert.Throws<VideoAffectException>(() => PublishTarget.Parse("mqtt://u:secret@h/p?x=1"));
        Assert.Contains("unknown option 'x'", e.Message);
        Assert.DoesNotContain("secret", e.Message);
        Assert.Contains("u:***@h", e.Message);
    }
}
