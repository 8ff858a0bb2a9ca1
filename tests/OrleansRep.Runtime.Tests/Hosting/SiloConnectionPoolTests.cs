using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Hosting;

public sealed class SiloConnectionPoolTests
{
    private static readonly TransportClientOptions Options = new() { ClusterSecret = TransportTestKit.Secret, Roles = ClientRoles.All };

    [Fact]
    public async Task Callers_share_one_connection_per_silo_until_the_view_no_longer_lists_it_active()
    {
        await using var server = await TransportTestKit.StartServerAsync(DelegateFrameHandler.Echo());
        var silo = SiloAddress.From(server.EndPoint, 1);
        await using var pool = new SiloConnectionPool(Options, maxConnections: 4);

        var first = await pool.GetAsync(silo);
        var second = await pool.GetAsync(silo);
        Assert.Same(first, second);

        pool.Retain(new MembershipView(2, [new MembershipEntry(silo, SiloStatus.Active)]));
        Assert.False(first.IsClosed);

        pool.Retain(new MembershipView(3, [new MembershipEntry(silo, SiloStatus.Dead)]));
        await Support.Eventually.Until(() => first.IsClosed, "the connection to the dead silo closed");
        await Assert.ThrowsAsync<ConnectionClosedException>(() => first.CallAsync(new byte[] { 1 }));
    }

    [Fact]
    public async Task The_pool_holds_no_more_silos_than_its_bound()
    {
        await using var one = await TransportTestKit.StartServerAsync(DelegateFrameHandler.Echo());
        await using var two = await TransportTestKit.StartServerAsync(DelegateFrameHandler.Echo());
        await using var pool = new SiloConnectionPool(Options, maxConnections: 1);

        await pool.GetAsync(SiloAddress.From(one.EndPoint, 1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.GetAsync(SiloAddress.From(two.EndPoint, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiloConnectionPool(Options, maxConnections: 0));
    }
}
