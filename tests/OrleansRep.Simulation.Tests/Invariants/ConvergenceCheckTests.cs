using OrleansRep.Replication;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Tests.Support;

namespace OrleansRep.Simulation.Tests.Invariants;

public sealed class ConvergenceCheckTests
{
    private readonly FakeSite _master = new(1) { Role = RepRole.Master, Gen = 4 };
    private readonly FakeSite _client = new(2) { Gen = 4, Master = new SiteId(1) };

    private void BothAppend(int n)
    {
        var r = _master.Append(RecordKind.Commit, writer: 1, n: n);
        _client.Store.AppendLocal(r.Kind, r.Frame);
    }

    [Fact]
    public void One_master_and_clients_with_its_log_have_converged()
    {
        BothAppend(1);
        BothAppend(2);
        var down = new FakeSite(3) { IsUp = false };
        Assert.Empty(ConvergenceCheck.Problems([_master, _client, down]));
    }

    [Fact]
    public void No_master_or_two_masters_is_not_converged()
    {
        _master.Role = RepRole.Client;
        Assert.Equal(["0 masters among the 2 sites up ()"], ConvergenceCheck.Problems([_master, _client]));
        _master.Role = RepRole.Master;
        _client.Role = RepRole.Master;
        Assert.Equal(["2 masters among the 2 sites up (site1, site2)"], ConvergenceCheck.Problems([_master, _client]));
    }

    [Fact]
    public void A_client_behind_or_different_or_following_another_gen_is_not_converged()
    {
        BothAppend(1);
        _master.Append(RecordKind.Commit, writer: 1, n: 2);
        Assert.Equal(["site2's log ends at [1][72], the master's at [1][112]"], ConvergenceCheck.Problems([_master, _client]));

        _client.Append(RecordKind.Commit, writer: 5, n: 2);
        Assert.Equal(["site2 differs from the master at [1][72]"], ConvergenceCheck.Problems([_master, _client]));

        _client.Gen = 3;
        Assert.Equal(["site2 is Client of site1 in gen 3, not client of site1 in gen 4"], ConvergenceCheck.Problems([_master, _client]));
    }

    [Fact]
    public void A_client_whose_log_internal_init_left_empty_at_the_master_end_has_converged()
    {
        // Seed 1777905585: after internal init the client's log holds no record and ends where the master's does; it
        // has none of the master's older records to compare (it was reported as differing at the master's first one).
        BothAppend(1);
        _master.Append(RecordKind.Commit, writer: 1, n: 2);
        _client.Store.Carry([new OrleansRep.Replication.Actions.BeginInternalInit(7, _master.Store.LogEnd)]);

        Assert.Empty(ConvergenceCheck.Problems([_master, _client]));

        _master.Append(RecordKind.Commit, writer: 1, n: 3);
        Assert.Equal([$"site2's log ends at {_client.Store.LogEnd}, the master's at {_master.Store.LogEnd}"], ConvergenceCheck.Problems([_master, _client]));
    }
}
