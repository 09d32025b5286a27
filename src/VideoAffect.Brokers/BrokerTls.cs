using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VideoAffect.Brokers;

/// <summary>
/// Whom a broker reached over TLS (<c>mqtts://</c>, <c>rediss://</c>) is trusted as: a server whose
/// certificate the system's store trusts, as any TLS client trusts one (a cloud broker), or one
/// signed by the certificate authority that <c>ca=FILE</c> names (PEM), for a broker with a CA of
/// its own (a home lab's, mosquitto's as its manual sets it up). Its name must match the URL's host
/// either way. There is no switch to trust any certificate: the broker's password and every face's
/// emotion would go to whoever answered.
/// </summary>
internal sealed class BrokerTls
{
    /// <summary>The query option that names a CA file.</summary>
    public const string CaOption = "ca";

    readonly X509Certificate2Collection? _authority;

    /// <param name="caFile">a PEM file of one or more CA certificates, or null for the system's store alone</param>
    /// <param name="shown">the target as messages show it</param>
    /// <param name="option">the option that gave it, for messages (--publish; the cluster's --cluster)</param>
    public BrokerTls(string? caFile, string shown, string option = "--publish")
    {
        if (caFile is null) return;
        if (!File.Exists(caFile)) throw new VideoAffectException($"{option} '{shown}': its CA file '{caFile}' does not exist");
        _authority = new X509Certificate2Collection();
        try { _authority.ImportFromPemFile(caFile); }
        catch (CryptographicException) { }
        if (_authority.Count == 0) throw new VideoAffectException($"{option} '{shown}': '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----) to trust");
    }

    /// <summary>The line a run stops with when the broker's certificate is not trusted.</summary>
    public string Untrusted => _authority is null
        ? "the broker's certificate is not trusted by this system, or is not for this host (a broker with a CA of its own: give it with ?ca=FILE)"
        : "the broker's certificate is not signed by the CA given with ca=, or is not for this host";

    /// <summary>Whether a connection failed in its TLS handshake (the certificate refused), however deep the client wrapped it.</summary>
    public static bool IsHandshakeFailure(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Security.Authentication.AuthenticationException) return true;
        return false;
    }

    /// <summary>The TLS handshake's check of the broker's certificate.</summary>
    public bool Trusts(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        // Only an unknown issuer may be made good by the CA given; a certificate for another host or none at all may not.
        if (_authority is null || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA rarely publishes revocation lists
        if (chain is not null)
            foreach (var element in chain.ChainElements.Skip(1)) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
