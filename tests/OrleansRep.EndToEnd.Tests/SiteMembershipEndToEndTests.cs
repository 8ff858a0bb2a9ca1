using System.Text;
using OrleansRep.Client;
using OrleansRep.Replication;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// Issue 5's "add a 4th site to the running cluster (it syncs and then serves reads); remove a site", with real
/// processes: site 4 is started with <c>--join</c>, added with the client calls <c>orep sites add</c>/<c>remove</c>
/// make, reads every earlier write from its own gateway, shows in the group, and is removed.
/// </summary>
public sealed class SiteMembershipEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_fourth_site_joins_the_running_cluster_serves_every_earlier_write_and_is_removed()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        // As `orep` connects: every role (membership changes need Admin).
        var options = cluster.ClientOptions();
        options.Roles = ClientRoles.All;
        await using var client = await OrleansRepClient.ConnectAsync(options);
        var written = new List<(string Key, CommitToken Token)>();
        foreach (var key in Enumerable.Range(0, 20).Select(i => $"before-{i}"))
        {
            written.Add((key, await client.PutAsync(B(key), B("v-" + key), new WriteOptions(AckPolicy.Quorum))));
        }

        var endPoint = await cluster.StartJoiningAsync(4);
        await client.AddSiteAsync(4, endPoint.ToString(), 100);

        // Site 4 alone, through its own gateway: every earlier write, once it has synced.
        var fourthOnly = cluster.ClientOptions();
        fourthOnly.Gateways = [$"4={cluster.Gateway(4)}"];
        await using var fourth = await OrleansRepClient.ConnectAsync(fourthOnly);
        foreach (var (key, token) in written)
        {
            Assert.Equal("v-" + key, S(await fourth.GetAsync(B(key), ReadOptions.AtLeast(token))));
        }

        var after = await client.PutAsync(B("after"), B("new"), new WriteOptions(AckPolicy.Quorum));
        Assert.Equal("new", S(await fourth.GetAsync(B("after"), ReadOptions.AtLeast(after))));

        // In the group as every site records it (what `orep sites list` prints), at its real endpoint.
        await cluster.WaitUntilAsync(
            async () => (await client.GetStatusAsync()).Sites.All(s => s.Status?.Members.Any(m => m.Site == 4 && m.Address == endPoint.ToString()) == true),
            () => "not every site records site 4 in the group");

        await cluster.WaitUntilAsync(
            async () => (await fourth.GetStatusAsync()).Sites.Single().Status?.Shards.All(r => r.MembershipVersion > 0) == true,
            () => "site 4's replicas never had the group's list from their masters");
        await client.RemoveSiteAsync(4);
        await cluster.WaitUntilAsync(
            async () => (await fourth.GetStatusAsync()).Sites.Single().Status?.Shards.All(r => r.Removed) == true,
            () => "site 4's replicas do not know they were removed");
        var members = (await client.GetStatusAsync()).Members.Select(m => m.Site);
        Assert.Equal([1, 2, 3], members);
        var last = await client.PutAsync(B("removed"), B("three"), new WriteOptions(AckPolicy.Quorum));
        Assert.Equal("three", S(await client.GetAsync(B("removed"), ReadOptions.AtLeast(last))));
        cluster.Passed();
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string? S(byte[]? b) => b is null ? null : Encoding.UTF8.GetString(b);
}
