using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// Well-formed, authenticated calls from the network that say something wrong: a grain key naming a site or shard
/// that does not exist, a <c>Deliver</c> from a site that is not a peer or in another site's name, replication
/// messages of a wrong generation. Each is refused with a typed error or ignored, and writes under Quorum go on.
/// (Garbage bytes on the ports: <see cref="ClientLibraryTests"/>.)
/// </summary>
public sealed class NetworkInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Calls_naming_an_unknown_site_or_shard_are_refused_with_a_typed_error_and_writes_go_on()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var admin = await ConnectAdminAsync(cluster, 1);

        // Site 9 is not in the group: through site 1's gateway (which forwards calls for other sites' grains).
        var unknownSite = await Assert.ThrowsAnyAsync<Exception>(() => ShardErrors.Typed(admin.GetGrain<ILogShardGrain>("shard/0@9").Put(B("k"), B("v"), AckPolicy.Quorum)));
        output.WriteLine($"shard/0@9 Put: {unknownSite.GetType().FullName}: {unknownSite.Message}");
        var unknownShard = await Assert.ThrowsAnyAsync<Exception>(() => ShardErrors.Typed(admin.GetGrain<ILogShardGrain>($"shard/{cluster.Shards}@1").Put(B("k"), B("v"), AckPolicy.Quorum)));
        output.WriteLine($"shard/{cluster.Shards}@1 Put: {unknownShard.GetType().FullName}: {unknownShard.Message}");

        // Deliver from site 9, and from site 2 in site 3's name: refused before any message is stepped.
        var notPeer = await Assert.ThrowsAnyAsync<Exception>(() => admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, 1)).Deliver(9, ReplicationFrames.Heartbeat(9, 1, 0)));
        output.WriteLine($"Deliver from site 9: {notPeer.GetType().FullName}: {notPeer.Message}");
        var impersonated = await Assert.ThrowsAnyAsync<Exception>(() => admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, 1)).Deliver(2, ReplicationFrames.Heartbeat(3, 1, 0)));
        output.WriteLine($"Deliver from site 2 as site 3: {impersonated.GetType().FullName}: {impersonated.Message}");

        await AssertWritesGoOnAsync(cluster);
        cluster.Passed();
    }

    [Fact]
    public async Task Replication_messages_of_a_wrong_generation_are_ignored_by_a_client_and_writes_go_on()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        await client.PutAsync(B("before"), B("1"), new WriteOptions(AckPolicy.All));
        var status = await client.GetStatusAsync();
        var master = status.MasterOf(0)!;
        var replica = status.Replicas.First(r => r.Shard == 0 && r.Role == RepRole.Client);
        var peer = cluster.SiteIds.First(s => s != replica.Site && s != master.Site);
        output.WriteLine($"shard 0: master site {master.Site} gen {master.Gen}; client site {replica.Site}; forged sender site {peer}");
        await using var admin = await ConnectAdminAsync(cluster, replica.Site);
        var grain = admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, replica.Site));
        foreach (var (what, frame) in new[]
        {
            ("a heartbeat of gen 0", ReplicationFrames.Heartbeat(peer, 0, master.LogEnd)),
            ("a heartbeat of an older gen", ReplicationFrames.Heartbeat(peer, master.Gen - 1, master.LogEnd)),
            ("a heartbeat a million gens ahead", ReplicationFrames.Heartbeat(peer, master.Gen + 1_000_000, master.LogEnd)),
            ("a heartbeat of the last gen there is", ReplicationFrames.Heartbeat(peer, uint.MaxValue, master.LogEnd)),
        })
        {
            await admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, replica.Site)).Deliver(peer, frame);
            var after = await ShardErrors.Typed(grain.GetStatus());
            output.WriteLine($"after {what}: client site {after.Site} {after.Role} gen {after.Gen} egen {after.Egen} master {after.Master}");
            Assert.True(after.Role == RepRole.Client && after.Gen == master.Gen && after.Master == master.Site, $"after {what}, site {replica.Site} is {after.Role} of site {after.Master} at gen {after.Gen}; it was a client of site {master.Site} at gen {master.Gen} (data in {cluster.DataRoot})");
        }

        await AssertWritesGoOnAsync(cluster);
        cluster.Passed();
    }

    // Quorum writes are taken and read back with their tokens on every site.
    private static async Task AssertWritesGoOnAsync(SiloCluster cluster)
    {
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        var tokens = new Dictionary<string, CommitToken>();
        for (var i = 0; i < 20; i++)
        {
            tokens[$"after-{i}"] = await client.PutAsync(B($"after-{i}"), B($"value {i}"), new WriteOptions(AckPolicy.Quorum));
        }

        foreach (var site in cluster.SiteIds)
        {
            await using var reader = await OrleansRepClient.ConnectAsync(cluster.ClientOptions(site));
            foreach (var (key, token) in tokens)
            {
                Assert.Equal($"value {key[6..]}", Encoding.UTF8.GetString(await reader.GetAsync(B(key), ReadOptions.AtLeast(token)) ?? []));
            }
        }
    }

    // A caller with the cluster secret may claim every role, Admin (which Deliver needs) included.
    private static Task<GrainClient> ConnectAdminAsync(SiloCluster cluster, int site) =>
        GrainClient.ConnectAsync(cluster.Gateway(site), new GrainClientOptions { ClusterSecret = cluster.Secret, ClientId = "e2e-admin", Roles = ClientRoles.Read | ClientRoles.Write | ClientRoles.Admin });

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
}
