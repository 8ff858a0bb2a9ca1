using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Transport;

/// <summary>Shared setup: a secret, servers on loopback port 0, clients, certificates and deadlines (condition waits are <see cref="Eventually"/>).</summary>
internal static class TransportTestKit
{
    /// <summary>The same generous deadline as <see cref="Eventually"/>, so every wait in the suite gives up alike.</summary>
    public static readonly TimeSpan Deadline = Eventually.Deadline;

    public static readonly byte[] Secret = "orleansrep-test-cluster-secret!!"u8.ToArray();

    public static Task<TransportServer> StartServerAsync(
        IFrameHandler handler, ILoggerFactory? logs = null, X509Certificate2? certificate = null, TransportOptions? limits = null) =>
        TransportServer.StartAsync(
            new TransportServerOptions
            {
                ClusterSecret = Secret,
                Certificate = certificate,
                Limits = limits ?? new TransportOptions(),
            },
            handler,
            logs);

    public static Task<TransportClient> ConnectAsync(
        TransportServer server,
        string clientId = "test-client",
        ClientRoles roles = ClientRoles.Read,
        byte[]? secret = null,
        X509Certificate2? pinned = null,
        TimeProvider? time = null) =>
        TransportClient.ConnectAsync(
            server.EndPoint,
            new TransportClientOptions { ClusterSecret = secret ?? Secret, ClientId = clientId, Roles = roles, PinnedServerCertificate = pinned },
            time);

    /// <summary>A self-signed certificate with its private key, usable by a TLS server.</summary>
    public static X509Certificate2 CreateCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // A round trip through PKCS#12 gives a key that SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    public static async Task WithinDeadline(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out after {Deadline} waiting for {what}");
        }
    }

    public static async Task<T> WithinDeadline<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out after {Deadline} waiting for {what}");
            throw;
        }
    }
}
