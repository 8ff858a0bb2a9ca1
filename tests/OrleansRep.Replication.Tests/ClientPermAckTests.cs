using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.ClientApplierLog;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>The client's acks of durable PERM records to the master, and when it sends none.</summary>
public sealed class ClientPermAckTests
{
    [Fact]
    public void A_repeated_PERM_record_makes_the_client_ack_again_with_its_max_PERM_LSN()
    {
        var client = Client();
        var rs = Chain(Start, 2, permAt: [1]);
        client.Receive(Log(rs[0]));
        client.Receive(Log(rs[1]));
        client.Step(new LogDurable(client.Store.MakeDurable()));

        var actions = client.Receive(Log(rs[1]));

        Assert.Equal([new Send(Destination.To(S1), new RepMessage(RepMessageType.Ack, S2, Gen, rs[1].Lsn, RepControl.GroupEstablished))], actions);
    }

    [Fact]
    public void A_durable_PERM_record_is_acknowledged_to_the_master_with_the_highest_durable_PERM_LSN()
    {
        var client = Client();
        var rs = Chain(Start, 4, permAt: [1, 2]);
        foreach (var r in rs)
        {
            client.Receive(Log(r));
        }

        var actions = client.Step(new LogDurable(client.Store.MakeDurable()));

        Assert.Equal([new Send(Destination.To(S1), new RepMessage(RepMessageType.Ack, S2, Gen, rs[2].Lsn, RepControl.GroupEstablished))], actions);
        Assert.Equal(rs[2].Lsn, client.Node.Applier.MaxPermLsn);
        Assert.Empty(client.Step(new LogDurable(client.Store.Durable))); // nothing new: no second ack
    }

    [Fact]
    public void A_parked_PERM_record_is_not_acknowledged()
    {
        var client = Client();
        var rs = Chain(Start, 2, permAt: [1]);
        client.Receive(Log(rs[1]));

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));
    }

    [Fact]
    public void No_ack_is_sent_under_ack_policy_none()
    {
        var client = Client(options: new ReplicationOptions { AckPolicy = AckPolicy.None });
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));
    }

    [Theory]
    [InlineData(AckPolicy.Quorum, false)]
    [InlineData(AckPolicy.OnePeer, false)]
    [InlineData(AckPolicy.AllPeers, false)]
    [InlineData(AckPolicy.One, true)]
    [InlineData(AckPolicy.All, true)]
    [InlineData(AckPolicy.AllAvailable, true)]
    public void A_priority_zero_client_acks_only_under_policies_that_count_it(AckPolicy policy, bool acks)
    {
        var client = Client(options: new ReplicationOptions { AckPolicy = policy }, priorities: [100, 0, 100]);
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal(acks ? 1 : 0, sends.Count(s => s.Message.Type == RepMessageType.Ack));
    }

    [Fact]
    public void A_checkpoint_record_is_applied_and_acknowledged_as_PERM()
    {
        var client = Client();
        var ckp = TestSite.Record(Start, RecordKind.Checkpoint);
        AssertActions([new AppendRecords([ckp])], client.Receive(Log(ckp)));

        var sends = TestSite.Sends(client.Step(new LogDurable(client.Store.MakeDurable())));

        Assert.Equal(ckp.Lsn, Assert.Single(sends).Message.Lsn);
    }

    [Fact]
    public void A_syncing_client_does_not_acknowledge_its_durable_tail()
    {
        var client = Client();
        client.Receive(Log(Chain(Start, 1, permAt: [0])[0]));
        client.Node.Applier.HeldBySync = true;

        Assert.Empty(client.Step(new LogDurable(client.Store.MakeDurable())));

        client.Node.Applier.HeldBySync = false;
        Assert.Single(TestSite.Sends(client.Step(new LogDurable(client.Store.Durable))));
    }
}
