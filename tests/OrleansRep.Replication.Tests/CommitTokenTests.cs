using System.Collections.Immutable;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>Read-your-writes: CheckApplied against the LSN history (reference section 6, "Commit tokens").</summary>
public sealed class CommitTokenTests
{
    // Gen 2 under site 1 from [1][32], gen 3 under site 2 from [1][200], gen 4 under site 1 from [1][400].
    private static readonly ImmutableList<GenerationStart> History =
    [
        new GenerationStart(2, S1, new Lsn(1, 32)),
        new GenerationStart(3, S2, new Lsn(1, 200)),
        new GenerationStart(4, S1, new Lsn(1, 400)),
    ];

    private static TestSite ClientWithLog(int records, int durable, uint syncedGen = 4)
    {
        var store = new MemoryReplicaStore();
        for (var i = 0; i < records; i++)
        {
            store.AppendLocal(RecordKind.Commit, new byte[56]); // [1][32], [1][88], [1][144], ...
            if (i == durable - 1)
            {
                store.MakeDurable();
            }
        }

        return new TestSite(3, null, new RepPersistentState { Role = RepRole.Client, Gen = 4, Master = S1, Sites = Sites(100, 100, 100), History = History, SyncedGen = syncedGen }, store);
    }

    [Fact]
    public void A_commit_of_a_generation_this_client_has_not_synced_with_yet_is_pending_however_long_its_log()
    {
        // Gen 4's NEWMASTER came (its history entry is here) but verify has not matched yet: past [1][400] this log may
        // be another lineage's tail, which sync will truncate. Its log end must not answer for gen 4's commits.
        var client = ClientWithLog(records: 12, durable: 12, syncedGen: 3);

        Assert.Equal(TokenStatus.Pending, client.Node.CheckApplied(new CommitToken(4, S1, new Lsn(1, 424))));
        Assert.Equal(TokenStatus.Applied, client.Node.CheckApplied(new CommitToken(3, S2, new Lsn(1, 256))));
        Assert.Equal(TokenStatus.Lost, client.Node.CheckApplied(new CommitToken(4, S2, new Lsn(1, 424))));
    }

    [Fact]
    public void A_durable_commit_of_a_known_generation_under_its_master_is_applied()
    {
        var client = ClientWithLog(records: 3, durable: 2);

        Assert.Equal(TokenStatus.Applied, client.Node.CheckApplied(new CommitToken(2, S1, new Lsn(1, 88))));
    }

    [Fact]
    public void A_commit_not_yet_durable_here_is_pending()
    {
        var client = ClientWithLog(records: 3, durable: 2);

        Assert.Equal(TokenStatus.Pending, client.Node.CheckApplied(new CommitToken(2, S1, new Lsn(1, 144))));
        Assert.Equal(TokenStatus.Pending, client.Node.CheckApplied(new CommitToken(4, S1, new Lsn(1, 900))));
    }

    [Fact]
    public void A_commit_from_a_generation_not_reached_yet_is_pending()
    {
        var client = ClientWithLog(records: 1, durable: 1);

        Assert.Equal(TokenStatus.Pending, client.Node.CheckApplied(new CommitToken(5, S3, new Lsn(2, 32))));
    }

    [Fact]
    public void A_commit_whose_generation_had_another_master_is_lost()
    {
        var client = ClientWithLog(records: 8, durable: 8);

        Assert.Equal(TokenStatus.Lost, client.Node.CheckApplied(new CommitToken(3, S3, new Lsn(1, 256))));
    }

    [Fact]
    public void A_commit_outside_its_generation_range_is_lost()
    {
        var client = ClientWithLog(records: 8, durable: 8);

        // Gen 2 ended where gen 3 began ([1][200]); a gen-2 commit at [1][256] was rolled back.
        Assert.Equal(TokenStatus.Lost, client.Node.CheckApplied(new CommitToken(2, S1, new Lsn(1, 256))));
        Assert.Equal(TokenStatus.Lost, client.Node.CheckApplied(new CommitToken(4, S1, new Lsn(1, 300))));
    }

    [Fact]
    public void An_older_generation_missing_from_the_history_is_lost()
    {
        var client = ClientWithLog(records: 1, durable: 1);

        Assert.Equal(TokenStatus.Lost, client.Node.CheckApplied(new CommitToken(1, S2, new Lsn(1, 32))));
    }

    [Fact]
    public void On_the_master_a_commit_in_its_log_is_applied_durable_or_not()
    {
        var master = Master();
        var (_, commit) = Commit(master, 1);

        Assert.Equal(TokenStatus.Applied, master.Node.CheckApplied(new CommitToken(Gen, S1, commit.Lsn)));
        Assert.Equal(TokenStatus.Pending, master.Node.CheckApplied(new CommitToken(Gen, S1, master.Store.LogEnd)));
    }
}
