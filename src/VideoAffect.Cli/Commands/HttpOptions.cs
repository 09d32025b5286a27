using System.CommandLine;
using VideoAffect.Cli.Http;

namespace VideoAffect.Cli.Commands;

/// <summary>`monitor`'s and `node`'s HTTP endpoint: where it listens, and who may use it over what (<see cref="HttpAccess"/>).</summary>
sealed record HttpOptionSet(Option<string?> Address, Option<string?> Credentials, Option<string?> Certificate, Option<string?> Key)
{
    public IEnumerable<Option> All => [Address, Credentials, Certificate, Key];

    public static HttpOptionSet Create(string serves) => new(
        new Option<string?>("--http") { Description = $"serve {serves} on ADDRESS:PORT (e.g. 127.0.0.1:8080)" },
        new Option<string?>("--http-credentials") { Description = "a file (chmod 600) holding USER:PASSWORD: every HTTP request must give them (HTTP Basic: browsers ask, curl -u, Prometheus basic_auth)" },
        new Option<string?>("--http-cert") { Description = "serve https with this PEM certificate (with --http-key)" },
        new Option<string?>("--http-key") { Description = "the PEM private key of --http-cert" });

    /// <summary>The access rules given; a one-line error for a bad file, or for them without --http.</summary>
    public HttpAccess Access(ParseResult r)
    {
        string? credentials = r.GetValue(Credentials), certificate = r.GetValue(Certificate), key = r.GetValue(Key);
        if (r.GetValue(Address) is null && (credentials ?? certificate ?? key) is not null)
            throw new VideoAffectException("--http-credentials, --http-cert and --http-key protect the endpoint of --http ADDRESS:PORT; give --http too");
        return HttpAccess.From(credentials, certificate, key);
    }
}
