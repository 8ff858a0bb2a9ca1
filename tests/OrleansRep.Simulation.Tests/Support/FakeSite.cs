using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Sites;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Tests.Support;

/// <summary>A hand-made site for feeding invariant checkers histories (correct or deliberately broken).</summary>
internal sealed class FakeSite(int id) : ISiteView
{
    public SiteId Id { get; } = new(id);

    public bool IsUp { get; set; } = true;

    public int Incarnation { get; set; }

    public RepRole Role { get; set; } = RepRole.Client;

    public uint Gen { get; set; }

    public uint Egen { get; set; } = 1;

    public SiteId Master { get; set; }

    public bool HoldsLease { get; set; }

    public ReplicationOptions Options { get; set; } = new();

    public MemoryReplicaStore Store { get; } = new();

    IReplicaStore ISiteView.Store => Store;

    /// <summary>What <see cref="CheckApplied"/> answers (default: pending).</summary>
    public Func<CommitToken, TokenStatus> Judge { get; set; } = _ => TokenStatus.Pending;

    public TokenStatus CheckApplied(CommitToken token) => Judge(token);

    /// <summary>Appends a record whose bytes come from <paramref name="writer"/> and <paramref name="n"/>.</summary>
    public LogRecordView Append(RecordKind kind = RecordKind.Commit, int writer = 1, int n = 0) =>
        Store.AppendLocal(kind, RecordContent.Frame(new SiteId(writer), n, 0, kind, 40));
}

/// <summary>Builds step records for checker tests.</summary>
internal static class Steps
{
    private static long _index;

    public static StepRecord Of(ISiteView site, params RepAction[] actions) => new(++_index, 0, site.Id, new Tick(0), actions, site.Egen);

    public static StepRecord Of(ISiteView site, RepInput input, params RepAction[] actions) => new(++_index, 0, site.Id, input, actions, site.Egen);

    public static EmitEvent Event(RepEventKind kind, uint gen, int site = 0) => new(new RepEvent(kind, gen, new SiteId(site)));

    public static ReplyProposal Committed(uint gen, int master, Lsn lsn) => new(1, new Replication.Committed(new CommitToken(gen, new SiteId(master), lsn)));
}
