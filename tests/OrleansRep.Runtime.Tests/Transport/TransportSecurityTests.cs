using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Transport;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Transport;

public sealed class TransportSecurityTests
{
    [Fact]
    public async Task A_client_with_the_wrong_secret_is_rejected_and_logged()
    {
        using var logs = new CollectingLoggerProvider();
        int handled = 0;
        await using TransportServer server = await StartServerAsync(
            new DelegateFrameHandler((_, p, _, _) => { Interlocked.Increment(ref handled); return ValueTask.FromResult(p); }), logs);

        await Assert.ThrowsAsync<HandshakeRejectedException>(
            () => ConnectAsync(server, secret: "a-different-secret-of-32-bytes!!"u8.ToArray()));

        await Eventually.Until(
            () => logs.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("wrong cluster secret", StringComparison.Ordinal)),
            "the rejection was logged with its reason");
        Assert.Equal(0, handled);
        await using TransportClient good = await ConnectAsync(server);
        Assert.Equal("ok"u8.ToArray(), await good.CallAsync("ok"u8.ToArray()));
    }

    [Fact]
    public async Task A_client_with_a_credential_proves_its_own_secret_and_gets_at_most_its_roles()
    {
        byte[] appSecret = "the-app-clients-own-secret-32by!"u8.ToArray();
        CallerIdentity? seen = null;
        await using TransportServer server = await TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = Secret, Credentials = [new ClientCredential("app", appSecret, ClientRoles.Read | ClientRoles.Write)] },
            new DelegateFrameHandler((_, p, caller, _) => { seen = caller; return ValueTask.FromResult(p); }));

        await using (TransportClient app = await ConnectAsync(server, clientId: "app", roles: ClientRoles.Read | ClientRoles.Write, secret: appSecret))
        {
            Assert.Equal("w"u8.ToArray(), await app.CallAsync("w"u8.ToArray()));
            Assert.Equal(("app", ClientRoles.Read | ClientRoles.Write), (seen!.ClientId, seen.Roles));
        }

        // Its secret does not stretch to Admin, the cluster secret does not open its name, and it is not a cluster secret.
        await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(server, clientId: "app", roles: ClientRoles.All, secret: appSecret));
        await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(server, clientId: "app", roles: ClientRoles.Read, secret: Secret));
        await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(server, clientId: "silo", roles: ClientRoles.Read, secret: appSecret));
        await using TransportClient silo = await ConnectAsync(server, clientId: "silo", roles: ClientRoles.All);
        Assert.Equal("s"u8.ToArray(), await silo.CallAsync("s"u8.ToArray()));
        Assert.Equal(ClientRoles.All, seen!.Roles);
    }

    [Fact]
    public async Task The_server_names_itself_to_every_client_it_accepts()
    {
        await using TransportServer server = await TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = Secret, ServerName = "2" }, DelegateFrameHandler.Echo());
        await using TransportClient client = await ConnectAsync(server);

        Assert.Equal("2", client.ServerName);
        Assert.Throws<ArgumentException>(() => new TransportServerOptions { ClusterSecret = Secret, ServerName = new string('x', 257) }.Validate());
    }

    [Fact]
    public void Bad_credentials_are_refused_when_the_server_options_are_validated()
    {
        byte[] good = new byte[16];
        Assert.Throws<ArgumentException>(() => new TransportServerOptions { ClusterSecret = Secret, Credentials = [new ClientCredential("a", new byte[8], ClientRoles.Read)] }.Validate());
        Assert.Throws<ArgumentException>(() => new TransportServerOptions { ClusterSecret = Secret, Credentials = [new ClientCredential("", good, ClientRoles.Read)] }.Validate());
        Assert.Throws<ArgumentException>(() => new TransportServerOptions { ClusterSecret = Secret, Credentials = [new ClientCredential("a", good, (ClientRoles)0x80)] }.Validate());
        Assert.Throws<ArgumentException>(() => new TransportServerOptions
        {
            ClusterSecret = Secret,
            Credentials = [new ClientCredential("a", good, ClientRoles.Read), new ClientCredential("a", good, ClientRoles.Write)],
        }.Validate());
    }

    [Fact]
    public async Task A_call_before_the_handshake_is_never_handled_and_closes_the_connection()
    {
        using var logs = new CollectingLoggerProvider();
        int handled = 0;
        await using TransportServer server = await StartServerAsync(
            new DelegateFrameHandler((_, p, _, _) => { Interlocked.Increment(ref handled); return ValueTask.FromResult(p); }), logs);
        using RawFrameSocket raw = await RawFrameSocket.ConnectAsync(server.EndPoint);
        await raw.ReadChallengeAsync();

        await raw.SendFrameAsync(FrameKind.Request, 1, "steal"u8.ToArray());

        Assert.True(await raw.ServerClosedAsync(), "the server kept a connection that called before authenticating");
        Assert.Equal(0, handled);
        Assert.Contains(logs.Entries, e => e.Message.Contains("unauthenticated Request", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tls_connection_to_a_pinned_self_signed_certificate_round_trips()
    {
        using var certificate = CreateCertificate("orleansrep-test-silo");
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo(), certificate: certificate);
        await using TransportClient client = await ConnectAsync(server, pinned: certificate);

        byte[] large = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(large);

        Assert.Equal("secret"u8.ToArray(), await client.CallAsync("secret"u8.ToArray()));
        Assert.Equal(large, await client.CallAsync(large));
    }

    [Fact]
    public async Task A_client_rejects_a_server_certificate_other_than_the_pinned_one()
    {
        using var serverCertificate = CreateCertificate("impostor");
        using var expected = CreateCertificate("orleansrep-test-silo");
        await using TransportServer server = await StartServerAsync(DelegateFrameHandler.Echo(), certificate: serverCertificate);

        await Assert.ThrowsAsync<AuthenticationException>(() => ConnectAsync(server, pinned: expected));

        await using TransportClient trusting = await ConnectAsync(server, pinned: serverCertificate);
        Assert.Equal("x"u8.ToArray(), await trusting.CallAsync("x"u8.ToArray()));
    }

    [Fact]
    public async Task A_tls_server_closes_a_connection_that_speaks_plain_frames()
    {
        using var certificate = CreateCertificate("orleansrep-test-silo");
        int handled = 0;
        await using TransportServer server = await StartServerAsync(
            new DelegateFrameHandler((_, p, _, _) => { Interlocked.Increment(ref handled); return ValueTask.FromResult(p); }),
            certificate: certificate);
        using RawFrameSocket plain = await RawFrameSocket.ConnectAsync(server.EndPoint);

        await plain.SendFrameAsync(FrameKind.Request, 1, "in the clear"u8.ToArray());

        Assert.True(await plain.ServerClosedAsync(), "the TLS server kept a connection that never negotiated TLS");
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task Listening_on_a_non_loopback_address_without_tls_is_refused()
    {
        var options = new TransportServerOptions { ClusterSecret = Secret, EndPoint = new IPEndPoint(IPAddress.Any, 0) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TransportServer.StartAsync(options, DelegateFrameHandler.Echo()));

        Assert.Contains("TLS is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_secret_or_bad_client_id_is_refused_before_connecting()
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, 1);

        await Assert.ThrowsAsync<ArgumentException>(() => TransportClient.ConnectAsync(
            endPoint, new TransportClientOptions { ClusterSecret = new byte[8] }));
        await Assert.ThrowsAsync<ArgumentException>(() => TransportClient.ConnectAsync(
            endPoint, new TransportClientOptions { ClusterSecret = Secret, ClientId = "" }));
        await Assert.ThrowsAsync<ArgumentException>(() => TransportServer.StartAsync(
            new TransportServerOptions { ClusterSecret = new byte[8] }, DelegateFrameHandler.Echo()));
    }
}
