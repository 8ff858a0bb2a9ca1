using System.Text;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>The replication machine on engine stores, as the shard grains will run it: sites replicate a master's
/// transactions byte for byte, a client that lost power catches up, and a diverged old master is rolled back.</summary>
public sealed class EngineReplicationTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static void Put(EngineSite master, long proposal, Random random) =>
        master.Commit(proposal, (txn, db) => txn.Put(db, B($"k{random.Next(100):D3}"), B(new string('v', random.Next(100, 2_500)) + proposal)));

    private static Dictionary<string, string> Contents(EngineSite site)
    {
        using var read = site.Store.Environment.BeginRead();
        return read.TryOpenDatabase("data", out var db)
            ? read.OpenCursor(db).Range(null, null).ToDictionary(p => Encoding.UTF8.GetString(p.Key.Span), p => Encoding.UTF8.GetString(p.Value.Span))
            : [];
    }

    private static void AssertSameAs(EngineSite expected, EngineSite actual, string context)
    {
        var want = expected.Store.ReadRange(Lsn.Zero, Lsn.Max);
        var got = actual.Store.ReadRange(Lsn.Zero, Lsn.Max);
        Assert.True(want.Count == got.Count, $"{context}: {expected.Id} has {want.Count} records to {expected.Store.LogEnd}, {actual.Id} {got.Count} to {actual.Store.LogEnd}");
        Assert.True(want.Zip(got).All(p => p.First.Lsn == p.Second.Lsn && p.First.SameBytes(p.Second)), $"{context}: the logs of {expected.Id} and {actual.Id} differ");
        Assert.Equal(Contents(expected), Contents(actual));
    }

    private static List<ProposalOutcome> Outcomes(EngineSite site) => site.Log.OfType<ReplyProposal>().Select(r => r.Outcome).ToList();

    [Fact]
    public void Three_sites_replicate_every_commit_byte_for_byte_across_log_files()
    {
        using var group = new EngineGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        var random = new Random(1);
        for (var p = 1; p <= 200; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        Assert.True(group[1].Store.LogEnd.File >= 4, $"the log should span files, ends at {group[1].Store.LogEnd}");
        Assert.Equal(200, Outcomes(group[1]).Count(o => o is Committed));
        AssertSameAs(group[1], group[2], "site 2");
        AssertSameAs(group[1], group[3], "site 3");
    }

    [Fact]
    public void A_client_that_lost_power_catches_up_from_what_it_kept()
    {
        using var group = new EngineGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        var random = new Random(2);
        for (var p = 1; p <= 60; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        group.Down.Add(group[3].Id);
        group[3].Restart(seed: 3);
        for (var p = 61; p <= 120; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        group.Down.Remove(group[3].Id);
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(5));
        Put(group[1], 121, random);
        group.Pump();

        AssertSameAs(group[1], group[3], "site 3 after its restart");
        Assert.Equal(121, Outcomes(group[1]).Count(o => o is Committed));
    }

    [Fact]
    public void A_client_behind_the_log_its_master_archived_is_brought_back_by_internal_init_and_survives_a_power_loss()
    {
        using var group = new EngineGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        var random = new Random(4);
        for (var p = 1; p <= 30; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        group.Down.Add(group[3].Id);
        group[3].Restart(seed: 4);
        for (var p = 31; p <= 250; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        Assert.NotEmpty(group[1].Store.ArchiveLog());
        Assert.True(group[1].Store.First > group[3].Store.LogEnd, $"the master's log starts at {group[1].Store.First}, site 3's ends at {group[3].Store.LogEnd}");

        group.Down.Remove(group[3].Id);
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(10));
        Assert.Contains(group[3].Log, a => a is EmitEvent { Event.Kind: RepEventKind.InitDone });
        Assert.Equal(0, group[3].Store.State.InitSnapshotId);
        Assert.Equal(1, group[1].Store.Snapshots.Count);
        group.Run(new ReplicationOptions().SnapshotIdleTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, group[1].Store.Snapshots.Count); // released once nobody asked for it for the idle timeout
        Put(group[1], 251, random);
        group.Pump();
        Assert.Equal(Contents(group[1]), Contents(group[3]));
        Assert.Equal(group[1].Store.LogEnd, group[3].Store.LogEnd);

        // What the init loaded is durable: a power loss keeps it.
        group.Down.Add(group[3].Id);
        group[3].Restart(seed: 5);
        Assert.False(group[3].Store.Environment.InitPending);
        group.Down.Remove(group[3].Id);
        group.Command(3, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(5));
        Put(group[1], 252, random);
        group.Pump();
        Assert.Equal(Contents(group[1]), Contents(group[3]));
        Assert.Equal(252, Outcomes(group[1]).Count(o => o is Committed));
    }

    [Fact]
    public void An_old_master_comes_back_as_a_client_and_its_diverged_tail_is_rolled_back()
    {
        using var group = new EngineGroup(3);
        group.Command(1, new StartReplication(RepStartRole.Master));
        group.Command(2, new StartReplication(RepStartRole.Client));
        group.Command(3, new StartReplication(RepStartRole.Client));
        var random = new Random(3);
        for (var p = 1; p <= 40; p++)
        {
            Put(group[1], p, random);
            group.Pump();
        }

        // Site 1 commits alone (the others hear nothing), then goes down; 2 and 3 elect a new master.
        group.Down.UnionWith([group[2].Id, group[3].Id]);
        for (var p = 41; p <= 45; p++)
        {
            Put(group[1], p, random);
        }

        group.Pump();
        var diverged = group[1].Store.LogEnd;
        group.Down.Clear();
        group.Down.Add(group[1].Id);
        group.Command(2, new CallElection());
        group.Run(TimeSpan.FromSeconds(10));
        var master = Assert.Single(group.Masters);
        for (var p = 1; p <= 20; p++)
        {
            Put(master, 1_000 + p, random);
            group.Pump();
        }

        group[1].Restart(seed: 4);
        group.Down.Clear();
        group.Command(1, new StartReplication(RepStartRole.Client));
        group.Run(TimeSpan.FromSeconds(10));
        Put(master, 2_000, random);
        group.Pump();

        Assert.Equal(RepRole.Client, group[1].Node.Role);
        Assert.True(group[1].Log.OfType<TruncateLog>().Any(t => t.To < diverged), "site 1 should have cut its diverged tail");
        AssertSameAs(master, group[1], "the old master after rollback");
        AssertSameAs(master, group[master.Id.Value == 2 ? 3 : 2], "the other client");
    }
}
