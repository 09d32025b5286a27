using System.Text.RegularExpressions;

namespace VideoAffect.Live;

/// <summary>
/// Camera URLs carry their credentials (<c>rtsp://admin:PASSWORD@10.0.0.5/...</c>; some cameras
/// take <c>user=admin&amp;password=...</c> in the path or query, and presigned links a signature),
/// and ffmpeg repeats the URL in its errors. Whatever VideoAffect shows of a source (messages,
/// logs, summaries, /streams, the live page, broker status, <c>cluster status</c>) has those
/// values masked; only ffmpeg is given the URL itself.
/// </summary>
internal static partial class SourceSecrets
{
    const string Mask = "***";

    /// <summary>scheme://user:password@ (the password up to the authority's last '@').</summary>
    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?<user>[^:@/\s'""]*):(?<password>[^/\s'""]*)@")]
    private static partial Regex UserInfo();

    /// <summary>key=value pairs whose key names a secret, in a query or a path.</summary>
    [GeneratedRegex(@"(?i)(?<key>\b(?:password|passwd|pwd|pass|token|access_token|api_key|apikey|key|secret|signature|sig|auth)=)(?<value>[^&;/?#\s'""]+)")]
    private static partial Regex SecretValue();

    /// <summary>The text with every URL password and secret-named value replaced by ***.</summary>
    public static string Redact(string text) =>
        SecretValue().Replace(UserInfo().Replace(text, m => $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Mask}@"), m => m.Groups["key"].Value + Mask);
}
