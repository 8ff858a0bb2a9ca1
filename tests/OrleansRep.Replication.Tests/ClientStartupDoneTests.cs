using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.ClientApplierLog;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>When the client's applier reports STARTUPDONE.</summary>
public sealed class ClientStartupDoneTests
{
    [Fact]
    public void Startup_is_done_on_the_first_live_record_applied_in_order_once_per_master()
    {
        var client = Client();
        var rs = Chain(Start, 3);
        client.Node.Applier.ExpectStartup();

        Assert.Empty(TestSite.Events(client.Receive(Log(rs[0], RepControl.Resend))));
        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], TestSite.Events(client.Receive(Log(rs[1]))));
        Assert.Empty(TestSite.Events(client.Receive(Log(rs[2]))));
        Assert.True(client.Node.Applier.StartupComplete);
    }

    [Fact]
    public void Startup_is_done_on_a_resent_record_marked_as_the_end_of_the_server_log()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Node.Applier.ExpectStartup();

        var events = TestSite.Events(client.Receive(Log(r, RepControl.Resend | RepControl.LogEnd)));

        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], events);
    }

    [Fact]
    public void A_live_record_that_is_parked_does_not_complete_startup()
    {
        var client = Client();
        client.Node.Applier.ExpectStartup();

        Assert.Empty(TestSite.Events(client.Receive(Log(Chain(Start, 2)[1]))));
        Assert.False(client.Node.Applier.StartupComplete);
    }

    [Fact]
    public void A_duplicate_marked_as_the_end_of_the_server_log_completes_startup()
    {
        var client = Client();
        var r = Chain(Start, 1)[0];
        client.Receive(Log(r));
        client.Node.Applier.ExpectStartup();

        Assert.Equal([new RepEvent(RepEventKind.StartupDone, Gen, S1)], TestSite.Events(client.Receive(Log(r, RepControl.Resend | RepControl.LogEnd))));
    }
}
