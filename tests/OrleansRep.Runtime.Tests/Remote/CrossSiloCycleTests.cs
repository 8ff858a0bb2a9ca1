using OrleansRep.Runtime.Remote;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed class CrossSiloCycleTests
{
    [Fact]
    public async Task A_on_silo_one_calls_B_on_silo_two_which_calls_back_A_and_the_cycle_completes()
    {
        await using var one = await RemoteTestHost.StartAsync();
        await using var two = await RemoteTestHost.StartAsync();
        // Silo-to-silo connections carry every role: the cluster secret proves they are silos.
        var toTwo = await two.ConnectRawAsync();
        var toOne = await one.ConnectRawAsync();
        one.Placement.Route(typeof(CycleBounceGrain).FullName!, new RemoteGrainCallInvoker(toTwo));
        two.Placement.Route(typeof(CycleStartGrain).FullName!, new RemoteGrainCallInvoker(toOne));
        var client = await one.ConnectAsync();

        var first = await Tests.Transport.TransportTestKit.WithinDeadline(
            client.GetGrain<ICycleStartGrain>("a").Start("b"), "A -> B -> A across two silos");
        var second = await client.GetGrain<ICycleStartGrain>("a").Start("b");

        Assert.Equal("start>bounce>leaf1", first);
        Assert.Equal("start>bounce>leaf2", second);
        // A lives on silo one only, B on silo two only.
        Assert.Equal(1, one.Silo.ActivationCount);
        Assert.Equal(1, two.Silo.ActivationCount);
    }
}
