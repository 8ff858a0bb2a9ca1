using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Placement;
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

        // Site 9 is not in the group: site 1's gateway cannot place the call (the runtime's typed error, by name).
        var unknownSite = await Assert.ThrowsAsync<RemoteGrainException>(() => ShardErrors.Typed(admin.GetGrain<ILogShardGrain>("shard/0@9").Put(B("k"), B("v"), AckPolicy.Quorum)));
        Assert.Equal(typeof(UnknownSiteException).FullName, unknownSite.RemoteTypeName);
        Assert.Contains("names site 9, which is not a registered site", unknownSite.Message, StringComparison.Ordinal);
        var unknownShard = await Assert.ThrowsAsync<UnknownShardException>(() => ShardErrors.Typed(admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(cluster.Shards, 1)).Put(B("k"), B("v"), AckPolicy.Quorum)));
        Assert.Contains($"shard {cluster.Shards} does not exist", unknownShard.Message, StringComparison.Ordinal);

        // Deliver from site 9, and from site 2 in site 3's name: refused before any message is stepped.
        var replica = admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, 1));
        var notPeer = await Assert.ThrowsAsync<FormatException>(() => replica.Deliver(9, ReplicationFrames.Heartbeat(9, 1, 0)));
        Assert.Contains("site 9 is not a peer of this group", notPeer.Message, StringComparison.Ordinal);
        var impersonated = await Assert.ThrowsAsync<FormatException>(() => replica.Deliver(2, ReplicationFrames.Heartbeat(3, 1, 0)));
        Assert.Contains("sent messages in another site's name", impersonated.Message, StringComparison.Ordinal);
        var status = await ShardErrors.Typed(replica.GetStatus());
        Assert.NotEqual(RepRole.None, status.Role);

        await AssertWritesGoOnAsync(cluster);
        cluster.Passed();
    }

    [Fact]
    public async Task Replication_messages_of_a_wrong_generation_are_ignored_by_a_client_and_writes_go_on()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await client.PutAsync(B("before"), B("1"), new WriteOptions(AckPolicy.All));
                break;
            }
            catch (DurabilityNotMetException) when (attempt < 10)
            {
                // Committed, not acknowledged by all in time (a loaded machine, or a master demoted meanwhile): put again.
            }
        }

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

    [Fact]
    public async Task An_ALIVE_a_million_generations_ahead_is_adopted_and_a_new_master_takes_writes_past_it()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        var forged = await SendAliveToAClientAsync(cluster, gen => gen + 1_000_000);

        // Berkeley DB's rule: a client adopts the newer generation of an ALIVE and an election follows, so the shard's
        // master is deposed; a new one is elected past the forged generation.
        await WaitForOneMasterAsync(cluster, forged);
        await AssertWritesGoOnAsync(cluster);
        cluster.Passed();
    }

    [Fact]
    public async Task An_ALIVE_at_the_last_generation_must_not_leave_the_shard_without_a_master()
    {
        await using var cluster = new SiloCluster(output);
        await cluster.StartAllAsync();
        var forged = await SendAliveToAClientAsync(cluster, _ => uint.MaxValue - 2);

        // Refused as out of range, or adopted with room for an election: either way the shard gets a master again.
        await WaitForOneMasterAsync(cluster, 0);
        await AssertWritesGoOnAsync(cluster);
        output.WriteLine($"ALIVE of gen {forged} survived");
        cluster.Passed();
    }

    // Writes a key everywhere, then delivers an ALIVE of generation gen(current) to a client replica of shard 0 in the
    // name of the other client (a peer), through the client replica's gateway; returns the generation sent.
    private async Task<uint> SendAliveToAClientAsync(SiloCluster cluster, Func<uint, uint> gen)
    {
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await client.PutAsync(B("before"), B("1"), new WriteOptions(AckPolicy.All));
                break;
            }
            catch (DurabilityNotMetException) when (attempt < 10)
            {
                // Committed, not acknowledged by all in time (a loaded machine, or a master demoted meanwhile): put again.
            }
        }

        var status = await client.GetStatusAsync();
        var master = status.MasterOf(0)!;
        var replica = status.Replicas.First(r => r.Shard == 0 && r.Role == RepRole.Client);
        var peer = cluster.SiteIds.First(s => s != replica.Site && s != master.Site);
        var forged = gen(master.Gen);
        output.WriteLine($"shard 0: master site {master.Site} gen {master.Gen}; ALIVE of gen {forged} to client site {replica.Site} as site {peer}");
        await using var admin = await ConnectAdminAsync(cluster, replica.Site);
        await admin.GetGrain<ILogShardGrain>(GrainKeys.Shard(0, replica.Site)).Deliver(peer, ReplicationFrames.Alive(peer, forged, master.LogEnd, forged + 1));
        return forged;
    }

    // Every site names the same master of shard 0, of a generation past `pastGen`.
    private async Task WaitForOneMasterAsync(SiloCluster cluster, uint pastGen)
    {
        await using var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions());
        var seen = "nothing yet";
        await cluster.WaitUntilAsync(
            async () =>
            {
                var replicas = (await client.GetStatusAsync()).Replicas.Where(r => r.Shard == 0).ToList();
                seen = string.Join(" | ", replicas.Select(r => $"site {r.Site} {r.Role} gen {r.Gen} egen {r.Egen} master {r.Master}"));
                return replicas.Count == cluster.SiteIds.Count() && replicas.Count(r => r.Role == RepRole.Master) == 1
                    && replicas.All(r => r.Master == replicas.Single(m => m.Role == RepRole.Master).Site && r.Gen > pastGen);
            },
            () => $"shard 0 has no master of a generation past {pastGen} that every site follows: {seen}");
        output.WriteLine($"shard 0: {seen}");
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
