using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace VideoAffect.Cli.Http;

/// <summary>
/// Who may use the monitor's HTTP endpoint, and over what: HTTP Basic credentials (what browsers,
/// curl -u and Prometheus' basic_auth speak) read from a file, so the password is in neither the
/// command line (ps) nor the shell's history, and TLS from a PEM certificate and key. Without
/// them the endpoint is open, as before 0.18: fine on 127.0.0.1, said in a warning otherwise.
/// </summary>
public sealed class HttpAccess
{
    readonly byte[]? _expected; // "Basic base64(user:password)", compared in constant time

    HttpAccess(byte[]? expected, X509Certificate2? certificate) => (_expected, Certificate) = (expected, certificate);

    /// <summary>No credentials, plain HTTP.</summary>
    public static readonly HttpAccess Open = new(null, null);

    /// <summary>Whether requests must give credentials.</summary>
    public bool Authenticated => _expected is not null;
    /// <summary>The certificate served over TLS; null: plain HTTP.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The rules the options give; a one-line error for a bad file.</summary>
    /// <param name="credentialsFile">a file holding one line, USER:PASSWORD; others may not read it (chmod 600)</param>
    /// <param name="certificateFile">the server's certificate (chain), PEM</param>
    /// <param name="keyFile">its private key, PEM</param>
    public static HttpAccess From(string? credentialsFile, string? certificateFile, string? keyFile)
    {
        if ((certificateFile is null) != (keyFile is null))
            throw new VideoAffectException("--http-cert and --http-key go together: the certificate and its private key, both PEM");
        byte[]? expected = credentialsFile is null ? null : Encoding.ASCII.GetBytes("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ReadCredentials(credentialsFile))));
        X509Certificate2? certificate = null;
        if (certificateFile is not null)
        {
            RequireFile("--http-cert", certificateFile, "the certificate (PEM)");
            RequireFile("--http-key", keyFile!, "its private key (PEM)");
            try { certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile); }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new VideoAffectException($"--http-cert '{certificateFile}' with --http-key '{keyFile}': not a PEM certificate and its private key ({e.Message.Split('\n')[0].TrimEnd('.')})");
            }
        }
        return new HttpAccess(expected, certificate);
    }

    /// <summary>A file the option names is missing or a folder: said as a user would say it, not as .NET's "Could not find file '...'." of a path made absolute.</summary>
    static void RequireFile(string option, string path, string holds)
    {
        if (Directory.Exists(path)) throw new VideoAffectException($"{option} '{path}' is a folder; give the file that holds {holds}");
        if (!File.Exists(path)) throw new VideoAffectException($"{option} '{path}' does not exist; give the file that holds {holds}");
    }

    static string ReadCredentials(string path)
    {
        string[] lines;
        RequireFile("--http-credentials", path, "USER:PASSWORD");
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                throw new VideoAffectException($"--http-credentials '{path}' can be read by every user of this machine; make it yours alone (chmod 600)");
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VideoAffectException($"--http-credentials '{path}': {e.Message.Split('\n')[0].TrimEnd('.')}");
        }
        var given = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        int colon = given.Count == 1 ? given[0].IndexOf(':') : -1;
        if (colon <= 0 || colon == given[0].Length - 1)
            throw new VideoAffectException($"--http-credentials '{path}' must hold one line, USER:PASSWORD");
        return given[0];
    }

    /// <summary>Whether the request may go on; otherwise it has been answered 401 with the challenge browsers prompt for.</summary>
    public bool Admit(HttpContext context)
    {
        if (_expected is null) return true;
        var given = Encoding.ASCII.GetBytes(context.Request.Headers.Authorization.ToString());
        if (CryptographicOperations.FixedTimeEquals(given, _expected)) return true;
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"VideoAffect\", charset=\"UTF-8\"";
        return false;
    }
}
