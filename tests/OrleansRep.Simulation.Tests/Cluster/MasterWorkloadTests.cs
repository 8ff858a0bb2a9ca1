using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Tests.Support;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Tests.Cluster;

/// <summary>The host's side of a master's writes: records appended locally, proposed, flushed, new log files.</summary>
public sealed class MasterWorkloadTests
{
    private static readonly SiteId S1 = new(1);

    private static (SimCluster Cluster, List<StepRecord> Steps) MasterCluster(uint fileBytes = SimCluster.DefaultFileBytes)
    {
        var cluster = Clusters.Make(3, tick: 1_000_000, disk: 2_000);
        cluster.FileBytes = fileBytes;
        var site = cluster[S1];
        site.Store.Carry([new PersistState(site.Store.State with { Role = RepRole.Master, Gen = 1, Master = S1 })]);
        site.Rebuild();
        var steps = new List<StepRecord>();
        cluster.Stepped += steps.Add;
        return (cluster, steps);
    }

    [Fact]
    public void A_transaction_on_the_master_is_appended_then_proposed_then_made_durable()
    {
        var (cluster, steps) = MasterCluster();

        var id = cluster.Propose(S1, [100, 60]);

        var records = cluster[S1].Store.Records;
        Assert.Equal([RecordKind.Data, RecordKind.Commit], records.Select(r => r.Kind));
        Assert.Equal([new Lsn(1, 32), new Lsn(1, 132)], records.Select(r => r.Lsn));
        Assert.Equal([100, 60], records.Select(r => r.Frame.Length));
        var proposal = Assert.IsType<LocalCommit>(Assert.Single(steps).Input);
        Assert.Equal(id, proposal.ProposalId);
        Assert.Equal(records, proposal.Records);

        cluster.RunUntil(2_000);
        Assert.Equal(new LogDurable(new Lsn(1, 192)), steps[^1].Input);
    }

    [Fact]
    public void Two_masters_writing_at_one_lsn_write_different_bytes()
    {
        var a = RecordContent.Frame(new SiteId(1), 5, 0, RecordKind.Commit, 48);
        var b = RecordContent.Frame(new SiteId(2), 5, 0, RecordKind.Commit, 48);
        Assert.False(a.AsSpan().SequenceEqual(b));
        Assert.True(a.AsSpan().SequenceEqual(RecordContent.Frame(new SiteId(1), 5, 0, RecordKind.Commit, 48)));
    }

    [Fact]
    public void A_transaction_that_does_not_fit_the_file_starts_the_next_one()
    {
        var (cluster, steps) = MasterCluster(fileBytes: 300);
        cluster.Propose(S1, [100, 60]);

        cluster.Propose(S1, [100, 60]);

        Assert.Equal(new LocalNewFile(new Lsn(1, 192)), steps[1].Input);
        Assert.Equal([new Lsn(2, 32), new Lsn(2, 132)], ((LocalCommit)steps[2].Input).Records.Select(r => r.Lsn));
        Assert.Equal(new Lsn(2, 192), cluster[S1].Store.LogEnd);
    }

    [Fact]
    public void A_checkpoint_is_a_perm_record_proposed_without_a_reply_and_newfile_moves_on_by_hand()
    {
        var (cluster, steps) = MasterCluster();

        cluster.Checkpoint(S1);
        cluster.NewFile(S1);

        var checkpoint = Assert.IsType<LocalCommit>(steps[0].Input);
        Assert.Equal(0, checkpoint.ProposalId);
        Assert.Equal(RecordKind.Checkpoint, Assert.Single(checkpoint.Records).Kind);
        Assert.Equal(new LocalNewFile(new Lsn(1, 96)), steps[1].Input);
        Assert.Equal(LogPositions.StartOfFile(2), cluster[S1].Store.LogEnd);
    }

    [Fact]
    public void Checkpoints_and_newfile_on_a_client_do_nothing()
    {
        var cluster = Clusters.Make(2, tick: 1_000_000);
        var steps = new List<StepRecord>();
        cluster.Stepped += steps.Add;

        cluster.Checkpoint(S1);
        cluster.NewFile(S1);

        Assert.Empty(steps);
        Assert.Equal(LogPositions.StartOfFile(1), cluster[S1].Store.LogEnd);
    }
}
