using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansRep.Runtime.Testing;
using System.Net;

namespace OrleansRep.Silo.Tests;

/// <summary>Temporary directories and condition waits for the silo tests.</summary>
internal static class TestSupport
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static string TempDirectory() => Directory.CreateTempSubdirectory("orep-silo-").FullName;

    /// <summary>Writes a self-signed server certificate (PKCS#12, one day either side of now) to
    /// <paramref name="directory"/>/cluster.pfx and returns its path.</summary>
    public static async Task<string> WriteSelfSignedCertificateAsync(string directory, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=orep-silo-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(directory, "cluster.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>Polls <paramref name="condition"/> (a throw counts as "not yet") until it holds; fails with <paramref name="explain"/>.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain) =>
        Conditions.WaitUntilAsync(condition, explain, Deadline);
}
