using System.Diagnostics;
using OrleansRep.Client.Tests.Fakes;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using static OrleansRep.Client.Tests.ClientTestKit;

namespace OrleansRep.Client.Tests;

/// <summary>Routing by shard to the master, redirects, retries through elections and lost sites, and the typed errors
/// at the end, against the in-memory twin of the grains.</summary>
public sealed class RoutingTests
{
    [Fact]
    public async Task A_write_follows_the_redirect_to_the_master_and_the_next_goes_there_directly()
    {
        var cluster = new FakeCluster();
        cluster.Elect(1, 2);
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 1);

        var token = await client.PutAsync(B(key), B("v1"));
        Assert.Equal(2, token.Master.Value);
        Assert.Equal(2, client.MasterOf(1));
        Assert.All(Enumerable.Range(1, 3), s => Assert.Equal("v1", cluster.Value(s, key)));

        cluster.Calls.Clear();
        await client.PutAsync(B(key), B("v2"));
        Assert.Equal([(2, "write")], cluster.Calls);
    }

    [Fact]
    public async Task During_an_election_a_write_waits_and_lands_on_the_new_master()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 0);
        await client.PutAsync(B(key), B("before"));
        cluster.BeginElection(0);

        var put = client.PutAsync(B(key), B("after"));
        await WaitUntilAsync(() => cluster.Calls.Count(c => c.Method == "write") >= 4, () => "the write was retried during the election");
        Assert.False(put.IsCompleted);
        cluster.Elect(0, 3);

        var token = await put;
        Assert.Equal(new SiteId(3), token.Master);
        Assert.Equal(2u, token.Gen);
        Assert.Equal("after", cluster.Value(3, key));
        Assert.Equal(3, client.MasterOf(0));
    }

    [Fact]
    public async Task A_dead_master_is_left_behind_once_a_new_one_is_elected()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 0);
        await client.PutAsync(B(key), B("one"));
        var oldMaster = client.MasterOf(0);
        cluster.Down[oldMaster] = true;

        // The others still name the dead site until they elect: the client keeps trying, then follows the winner.
        var put = client.PutAsync(B(key), B("two"));
        await WaitUntilAsync(() => cluster.LostReports >= 1 && cluster.Calls.Count(c => c.Method == "write" && c.Site != oldMaster) >= 2, () => "the client noticed the dead master and asked the others");
        var winner = oldMaster % 3 + 1;
        cluster.Elect(0, winner);

        Assert.Equal(winner, (await put).Master.Value);
        Assert.Equal("two", cluster.Value(winner, key));
    }

    [Fact]
    public async Task A_hung_master_is_given_up_after_the_attempt_timeout_and_the_write_lands_on_the_new_one()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 0);
        await client.PutAsync(B(key), B("one"));
        var hung = client.MasterOf(0);
        cluster.Hung[hung] = true;
        var winner = hung % 3 + 1;
        cluster.Elect(0, winner);

        // The first attempt hangs on the stopped master (its connection stays open); past the attempt timeout the
        // client asks elsewhere, is redirected to the winner, and the write lands there.
        var put = await client.PutAsync(B(key), B("two"));

        Assert.Equal(winner, put.Master.Value);
        Assert.Contains(cluster.Calls, c => c.Site == hung && c.Method == "hung");
        Assert.Equal("two", cluster.Value(winner, key));
    }

    [Fact]
    public async Task A_hung_master_is_left_as_soon_as_another_site_names_a_new_one_without_waiting_out_the_attempt_timeout()
    {
        var cluster = new FakeCluster();
        // An attempt timeout longer than the test's deadline: only the check through another site can end the wait.
        await using var client = ClientOn(cluster, o => o.AttemptTimeout = TimeSpan.FromMinutes(10));
        var key = KeyOf(cluster, 0);
        await client.PutAsync(B(key), B("one"));
        var hung = client.MasterOf(0);
        cluster.Hung[hung] = true;

        // While the others still follow the hung master, the request waits on it: the sites asked only redirect back.
        var put = client.PutAsync(B(key), B("two"));
        await WaitUntilAsync(() => cluster.Calls.Count(c => c.Site != hung && c.Method == "write") >= 2, () => "the client asked the other sites who the master is");
        Assert.False(put.IsCompleted);
        Assert.All(Enumerable.Range(1, 3).Where(s => s != hung), s => Assert.Equal("one", cluster.Value(s, key)));

        // The others elect a new master: the next check names it and the write lands there.
        var winner = hung % 3 + 1;
        cluster.Elect(0, winner);
        var token = await put.WaitAsync(Deadline);

        Assert.Equal(winner, token.Master.Value);
        Assert.Equal("two", cluster.Value(winner, key));
        Assert.Equal(winner, client.MasterOf(0));
    }

    [Fact]
    public async Task A_gateway_that_never_finishes_connecting_is_passed_over_for_the_next_site()
    {
        var cluster = new FakeCluster();
        cluster.Elect(0, 3);
        // The first site in turn (site 2) takes connections but never answers (stopped); a connect timeout longer than
        // the test's deadline: only passing it over lets the write through.
        cluster.ConnectHangs[2] = true;
        await using var client = ClientOn(cluster, o => o.ConnectTimeout = TimeSpan.FromMinutes(10));
        var key = KeyOf(cluster, 0);

        var token = await client.PutAsync(B(key), B("v")).WaitAsync(Deadline);

        Assert.Equal(3, token.Master.Value);
        Assert.Equal("v", cluster.Value(3, key));
    }

    [Fact]
    public async Task Past_the_retry_deadline_the_caller_gets_ShardUnavailableException()
    {
        var cluster = new FakeCluster();
        cluster.BeginElection(2);
        await using var client = ClientOn(cluster, o => o.RetryDeadline = TimeSpan.FromMilliseconds(300));
        var waited = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ShardUnavailableException>(() => client.PutAsync(B(KeyOf(cluster, 2)), B("v")));
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(300), Deadline);
        Assert.Contains("shard 2", error.Message, StringComparison.Ordinal);
        Assert.IsType<ShardUnavailableException>(error.InnerException);
    }

    [Fact]
    public async Task No_reachable_site_is_a_typed_error_too()
    {
        var cluster = new FakeCluster();
        cluster.Down[1] = cluster.Down[2] = cluster.Down[3] = true;
        // Long enough to find all three gone, however slow the machine: then "unreachable" is the last error.
        await using var client = ClientOn(cluster, o => o.RetryDeadline = TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<ShardUnavailableException>(() => client.GetAsync(B("k")));
        Assert.IsType<ClusterUnreachableException>(error.InnerException);
    }

    [Fact]
    public async Task An_unmet_durability_is_reported_at_once_with_its_token()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var key = KeyOf(cluster, 3);
        await client.PutAsync(B(key), B("warm"));
        var master = client.MasterOf(3);
        cluster.HeldBack[master % 3 + 1] = true;
        cluster.Calls.Clear();

        var error = await Assert.ThrowsAsync<DurabilityNotMetException>(() => client.PutAsync(B(key), B("all"), new WriteOptions(AckPolicy.All)));
        Assert.Equal(master, error.Token.Master.Value);
        Assert.Equal((2, 3), (error.Acks, error.Needed));
        Assert.Single(cluster.Calls);
        Assert.Equal("all", S(await client.GetAsync(B(key))));
    }

    [Fact]
    public async Task Bad_batches_are_refused_before_anything_is_sent()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var across = new[] { new BatchOperation(B(KeyOf(cluster, 0)), B("a")), new BatchOperation(B(KeyOf(cluster, 1)), B("b")) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.BatchAsync(across));
        Assert.Contains("shards 0, 1", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => client.BatchAsync([]));
        Assert.Empty(cluster.Calls);
    }

    [Fact]
    public async Task A_batch_commits_as_one_on_its_shard()
    {
        var cluster = new FakeCluster();
        await using var client = ClientOn(cluster);
        var (a, b) = (KeyOf(cluster, 2, "b"), KeyOf(cluster, 2, "b", 1));
        await client.PutAsync(B(b), B("old"));

        var token = await client.BatchAsync([new BatchOperation(B(a), B("new")), new BatchOperation(B(b), null)]);
        Assert.Equal("new", S(await client.GetAsync(B(a), ReadOptions.AtLeast(token))));
        Assert.Null(await client.GetAsync(B(b), ReadOptions.AtLeast(token)));
    }
}
