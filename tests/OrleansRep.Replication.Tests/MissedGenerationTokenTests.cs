using System.Collections.Immutable;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;
using static OrleansRep.Replication.Tests.Support.TestMessages;

namespace OrleansRep.Replication.Tests;

/// <summary>
/// The false CommitTokenLost of the kill -9 soak: site 3 was down for the whole of gen 15 (site 1 master), restarted,
/// adopted gen 15 from a vote (no LSN-history entry: it never heard that generation's NEWMASTER) and then received gen
/// 15's records from the next master. Its history had no gen-15 entry, so a gen-15 token was judged lost although the
/// commit was in its log. NEWMASTER now carries the master's earlier history, which the client merges.
/// </summary>
public sealed class MissedGenerationTokenTests
{
    private static readonly ReplicationOptions Options = new() { HeartbeatSend = TimeSpan.FromSeconds(1), HeartbeatMonitor = TimeSpan.FromSeconds(3) };

    [Fact]
    public void A_site_down_for_a_whole_generation_judges_its_commits_applied_once_a_later_master_brought_them()
    {
        var group = new TestGroup(3, _ => Options, _ => SharedFirstCommit());
        group.Command(3, new StartReplication(RepStartRole.Master));
        group.Command(1, new StartReplication(RepStartRole.Client));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(2));
        Write(group, group[3], 1);

        // Site 3 (master) dies; site 1 or 2 is elected and commits; the token names that generation.
        group.Down.Add(S3);
        group.Run(TimeSpan.FromSeconds(15));
        var second = Assert.Single(group.Masters);
        var token = Write(group, second, 2);
        Assert.True(group.Sites.Where(s => s.Id != S3).All(s => s.Node.CheckApplied(token) == TokenStatus.Applied),
            $"{token} on sites 1, 2: {string.Join(", ", group.Sites.Select(s => $"{s.Id} {s.Node.CheckApplied(token)} end {s.Store.LogEnd} durable {s.Store.Durable} history {string.Join(" ", s.Node.State.History)}"))}{Environment.NewLine}{group.Describe()}");

        // That master dies too, before site 3 is back: site 3 never hears the NEWMASTER of the token's generation.
        group.Down.Add(second.Id);
        var restarted = group.Restart(3);
        group.Down.Remove(S3);
        restarted.Command(new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(20));
        FlushAll(group);

        var third = Assert.Single(group.Masters);
        Assert.True(third.Node.Gen > token.Gen, $"a master of a later generation: {group.Describe()}");
        Assert.Equal(third.Id, restarted.Node.Master);
        Assert.Equal(third.Store.LogEnd, restarted.Store.LogEnd);
        Assert.Equal(TokenStatus.Applied, restarted.Node.CheckApplied(token));
        Assert.Contains(restarted.Node.State.History, g => g.Gen == token.Gen && g.Master == token.Master);
    }

    [Fact]
    public void A_NEWMASTER_history_fills_the_generations_a_client_missed_and_keeps_its_own()
    {
        var site = new TestSite(3, null, InGroup(3, new RepPersistentState
        {
            Role = RepRole.Client,
            Gen = 15,
            History = [new GenerationStart(13, S3, new Lsn(1, 58636))],
            SyncedGen = 13,
        }));
        site.Command(new StartReplication(RepStartRole.Client));

        // Gen 13 as the master says differs from ours (it cannot in a real group): ours is kept.
        site.Receive(Of(RepMessageType.NewMaster, 1, 17, new NewMasterPayload(new Lsn(1, 77753),
        [
            new GenerationStart(12, S1, new Lsn(1, 50274)),
            new GenerationStart(13, S3, new Lsn(1, 99)),
            new GenerationStart(15, S1, new Lsn(1, 69243)),
        ]), new Lsn(1, 80000)));

        Assert.Equal(
        [
            new GenerationStart(12, S1, new Lsn(1, 50274)),
            new GenerationStart(13, S3, new Lsn(1, 58636)),
            new GenerationStart(15, S1, new Lsn(1, 69243)),
            new GenerationStart(17, S1, new Lsn(1, 77753)),
        ], site.Node.State.History);
    }

    [Theory]
    [InlineData(17u, 1, "an entry of the announced generation")]
    [InlineData(15u, 1, "entries out of order")]
    [InlineData(9u, 0, "an entry without a master")]
    public void A_NEWMASTER_with_an_impossible_history_is_dropped_and_changes_nothing(uint secondGen, int secondMaster, string what)
    {
        var site = StartedClient(3, 3);
        var before = site.Node.State;

        site.Receive(Of(RepMessageType.NewMaster, 1, 17, new NewMasterPayload(new Lsn(1, 77753),
        [
            new GenerationStart(15, S1, new Lsn(1, 69243)),
            new GenerationStart(secondGen, new SiteId(secondMaster), new Lsn(1, 70000)),
        ])));

        Assert.True(ReferenceEquals(before, site.Node.State), what);
        Assert.Equal(1, site.Node.Dropped);
    }

    [Fact]
    public void A_master_announces_at_most_the_newest_entries_of_its_history_before_its_generation()
    {
        var history = Enumerable.Range(1, NewMasterPayload.MaxEarlier + 10)
            .Select(i => new GenerationStart((uint)i, S1, new Lsn(1, (uint)(32 * i))))
            .ToImmutableList();
        var site = new TestSite(1, null, InGroup(3, new RepPersistentState { Role = RepRole.Client, Gen = (uint)history.Count, History = history }));

        var announced = Assert.Single(site.Command(new StartReplication(RepStartRole.Master)).SendsOf(RepMessageType.NewMaster));

        var earlier = ((NewMasterPayload)announced.Message.Payload!).Earlier!;
        Assert.Equal(NewMasterPayload.MaxEarlier, earlier.Count);
        Assert.Equal(history[^1], earlier[^1]);
        Assert.Equal(history[^NewMasterPayload.MaxEarlier], earlier[0]);
    }

    // The sites' engines flush what they applied (group commit).
    private static void FlushAll(TestGroup group)
    {
        foreach (var site in group.Sites.Where(s => !group.Down.Contains(s.Id)))
        {
            Durable(site);
        }

        group.Pump();
    }

    // Every site starts with the same one-commit log (an empty one would need internal init, which needs snapshots).
    private static MemoryReplicaStore SharedFirstCommit()
    {
        var store = new MemoryReplicaStore();
        store.AppendLocal(RecordKind.Commit, new byte[32]);
        store.MakeDurable();
        return store;
    }

    // A transaction on the master, made durable and shipped; returns its commit token.
    private static CommitToken Write(TestGroup group, TestSite master, long proposal)
    {
        var (_, commit) = Commit(master, proposal);
        Durable(master);
        group.Pump();
        group.Run(TimeSpan.FromMilliseconds(500));
        FlushAll(group);
        return new CommitToken(master.Node.Gen, master.Id, commit.Lsn);
    }
}
