using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests;

public sealed class ReplicationNodeTests
{
    [Fact]
    public void A_proposal_to_a_site_that_is_not_master_is_answered_with_the_master_it_knows()
    {
        var state = new RepPersistentState { Role = RepRole.Client, Gen = 3, Master = new SiteId(2) };
        var node = new ReplicationNode(new SiteId(1), new ReplicationOptions(), new EmptyStore(), new NoSnapshots(), state);

        var actions = node.Step(new LocalCommit(7, []));

        var reply = Assert.IsType<ReplyProposal>(Assert.Single(actions));
        Assert.Equal(7, reply.ProposalId);
        Assert.Equal(new NotMaster(new SiteId(2)), reply.Outcome);
    }

    [Fact]
    public void Messages_from_an_older_generation_are_dropped()
    {
        var state = new RepPersistentState { Role = RepRole.Client, Gen = 3, Master = new SiteId(2) };
        var node = new ReplicationNode(new SiteId(1), new ReplicationOptions(), new EmptyStore(), new NoSnapshots(), state);

        var actions = node.Step(new MessageReceived(new RepMessage(RepMessageType.LogReq, new SiteId(2), 2, new Lsn(1, 32))));

        Assert.Empty(actions);
        Assert.Equal(1, node.Dropped);
    }

    private sealed class EmptyStore : IReplicaStore
    {
        public Lsn First => Lsn.Zero;

        public Lsn LogEnd => new(1, 32);

        public Lsn Durable => new(1, 32);

        public int ParkedCount => 0;

        public LogRecordView? Read(Lsn lsn) => null;

        public LogRecordView? ReadFrom(Lsn lsn) => null;

        public LogRecordView? LastPermBefore(Lsn before) => null;

        public LogRecordView? ParkedFrom(Lsn lsn) => null;
    }

    private sealed class NoSnapshots : ISnapshotSource
    {
        public int ChunkCount(long snapshotId) => -1;

        public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) => throw new InvalidOperationException();
    }
}
