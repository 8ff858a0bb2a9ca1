using System.Diagnostics;
using System.Net;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Testing;
using OrleansRep.Runtime.Tests.Support;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;
using Xunit.Abstractions;
using static OrleansRep.Runtime.Tests.Transport.TransportTestKit;

namespace OrleansRep.Runtime.Tests.Membership;

/// <summary>Membership agents on real loopback sockets: join, detection of a killed silo, restart, and bad input.</summary>
public sealed class MembershipClusterTests(ITestOutputHelper output)
{
    private static async Task<TestSilo[]> StartClusterAsync(int count)
    {
        var silos = new List<TestSilo> { await TestSilo.StartAsync() };
        for (int i = 1; i < count; i++)
        {
            silos.Add(await TestSilo.StartAsync([silos[0].EndPoint]));
        }

        await Eventually.Until(
            () => silos.All(s => s.Agent.View.ActiveSilos.Count == count),
            $"all {count} silos see {count} active silos");
        return [.. silos];
    }

    private static async Task DisposeAllAsync(IEnumerable<TestSilo> silos)
    {
        foreach (TestSilo silo in silos)
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Three_silos_join_through_a_seed_and_all_see_the_same_view()
    {
        TestSilo[] silos = await StartClusterAsync(3);
        try
        {
            SiloAddress[] expected = [.. silos.Select(s => s.Address).Order(SiloAddress.Comparer)];
            await Eventually.Until(
                () => silos.All(s => s.Agent.View.ContentEquals(silos[0].Agent.View)),
                "the three views hold the same entries");

            foreach (TestSilo silo in silos)
            {
                Assert.Equal(expected, silo.Agent.View.ActiveSilos);
                Assert.Equal(SiloStatus.Active, silo.Agent.Status);
                Assert.True(silo.Agent.View.Version > 0);
                Assert.Contains(silo.Changes, v => v.ActiveSilos.Count == 3);
            }
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    [Fact]
    public async Task A_killed_silo_is_declared_dead_by_the_others_who_raise_an_event()
    {
        TestSilo[] silos = await StartClusterAsync(3);
        TestSilo victim = silos[2];
        try
        {
            var clock = Stopwatch.StartNew();
            await victim.DisposeAsync();

            await Eventually.Until(
                () => silos[..2].All(s => s.Agent.View.IsDead(victim.Address)),
                $"both survivors declare {victim.Address} dead");
            output.WriteLine($"{victim.Address} declared dead by both survivors {clock.ElapsedMilliseconds} ms after it was killed");

            foreach (TestSilo survivor in silos[..2])
            {
                Assert.Contains(survivor.Changes, v => v.StatusOf(victim.Address) == SiloStatus.Dead);
                Assert.Equal(2, survivor.Agent.View.ActiveSilos.Count);
                Assert.Equal(SiloStatus.Active, survivor.Agent.Status);
            }
        }
        finally
        {
            await DisposeAllAsync(silos[..2]);
        }
    }

    [Fact]
    public async Task A_silo_that_leaves_is_dead_in_every_view_at_once_without_probes()
    {
        // No probes and no periodic gossip within the test: only the goodbye can tell the others.
        var quiet = new MembershipOptions { ProbePeriod = TimeSpan.FromHours(1), GossipPeriod = TimeSpan.FromHours(1), ProbeTimeout = TimeSpan.FromSeconds(5) };
        var silos = new List<TestSilo> { await TestSilo.StartAsync(options: quiet) };
        for (int i = 1; i < 3; i++)
        {
            silos.Add(await TestSilo.StartAsync([silos[0].EndPoint], options: quiet));
        }

        TestSilo leaver = silos[2];
        try
        {
            await Eventually.Until(() => silos.All(s => s.Agent.View.ActiveSilos.Count == 3), "all three silos see three active silos");

            await leaver.Agent.LeaveAsync();

            await Eventually.Until(() => silos[..2].All(s => s.Agent.View.IsDead(leaver.Address)), $"both others see {leaver.Address} dead");
            Assert.Equal(SiloStatus.Dead, leaver.Agent.Status);
            Assert.Contains(leaver.Changes, v => v.StatusOf(leaver.Address) == SiloStatus.Dead);
            Assert.All(silos[..2], s => Assert.Equal(2, s.Agent.View.ActiveSilos.Count));
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    [Fact]
    public async Task A_silo_that_is_unreachable_but_alive_is_told_it_is_dead_and_falls_silent()
    {
        TestSilo[] silos = await StartClusterAsync(3);
        TestSilo cutOff = silos[2];
        try
        {
            await cutOff.StopServerAsync();

            await Eventually.Until(() => cutOff.Agent.Status == SiloStatus.Dead, $"{cutOff.Address} learns from its peers that it is dead");
            Assert.All(silos[..2], s => Assert.True(s.Agent.View.IsDead(cutOff.Address)));
            Assert.Contains(cutOff.Changes, v => v.StatusOf(cutOff.Address) == SiloStatus.Dead);
            var silent = await Assert.ThrowsAsync<SiloDeclaredDeadException>(async () => await cutOff.Agent.HandleAsync(
                FrameKind.Request,
                MembershipCodec.Encode(MembershipMessage.Probe(silos[0].Address, cutOff.Address, 0)),
                new CallerIdentity("silo", ClientRoles.All, "test"),
                CancellationToken.None));
            Assert.Equal(cutOff.Address, silent.Silo);
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    [Fact]
    public async Task A_restarted_silo_with_a_new_generation_on_the_same_endpoint_rejoins()
    {
        TestSilo[] silos = await StartClusterAsync(3);
        TestSilo victim = silos[2];
        TestSilo? restarted = null;
        try
        {
            await victim.DisposeAsync();
            await Eventually.Until(() => silos[..2].All(s => s.Agent.View.IsDead(victim.Address)), $"{victim.Address} is declared dead");

            restarted = await TestSilo.StartAsync([silos[0].EndPoint], victim.Address.Port, victim.Address.Generation + 1);

            TestSilo[] live = [silos[0], silos[1], restarted];
            await Eventually.Until(
                () => live.All(s => s.Agent.View.StatusOf(restarted.Address) == SiloStatus.Active && s.Agent.View.ActiveSilos.Count == 3),
                $"every silo sees {restarted.Address} active");
            Assert.All(live, s => Assert.True(s.Agent.View.IsDead(victim.Address)));
            Assert.Contains(silos[1].Changes, v => v.StatusOf(restarted.Address) == SiloStatus.Active);
        }
        finally
        {
            await DisposeAllAsync(restarted is null ? silos[..2] : [silos[0], silos[1], restarted]);
        }
    }

    [Fact]
    public async Task Two_silos_that_each_started_alone_find_each_other_through_their_seeds()
    {
        // A split of views in miniature: A bootstrapped before B was up, B bootstrapped without asking A. Neither has
        // the other in its view, so neither probes nor gossips with it; only the seeds say where a silo should be.
        int[] ports = [FreePorts.Next(), FreePorts.Next()];
        EndPoint[] seeds = [new IPEndPoint(IPAddress.Loopback, ports[0]), new IPEndPoint(IPAddress.Loopback, ports[1])];
        await using TestSilo a = await TestSilo.StartAsync(seeds, ports[0]);
        await using TestSilo b = await TestSilo.StartAsync([seeds[1]], ports[1]);

        await Eventually.Until(
            () => a.Agent.View.ActiveSilos.Count == 2 && b.Agent.View.ActiveSilos.Count == 2,
            "A reaches its seed B, and both views hold both silos");
        Assert.Equal(SiloStatus.Active, b.Agent.View.StatusOf(a.Address));
    }

    [Fact]
    public async Task With_two_silos_the_survivor_declares_the_other_dead_and_the_same_incarnation_may_not_rejoin()
    {
        TestSilo[] silos = await StartClusterAsync(2);
        TestSilo victim = silos[1];
        try
        {
            await victim.DisposeAsync();
            await Eventually.Until(() => silos[0].Agent.View.IsDead(victim.Address), $"the survivor declares {victim.Address} dead");
            MembershipView before = silos[0].Agent.View;

            var refused = await Assert.ThrowsAsync<SiloDeclaredDeadException>(
                () => TestSilo.StartAsync([silos[0].EndPoint], victim.Address.Port, victim.Address.Generation));

            Assert.Equal(victim.Address, refused.Silo);
            Assert.True(silos[0].Agent.View.ContentEquals(before));
        }
        finally
        {
            await silos[0].DisposeAsync();
        }
    }

    [Fact]
    public async Task Malformed_or_unauthorized_membership_requests_are_rejected_without_harm()
    {
        TestSilo[] silos = await StartClusterAsync(2);
        try
        {
            TestSilo target = silos[0];
            MembershipView before = target.Agent.View;
            await using TransportClient admin = await TransportClient.ConnectAsync(target.EndPoint, TestSilo.SiloClientOptions);
            await using TransportClient reader = await TransportClient.ConnectAsync(
                target.EndPoint, new TransportClientOptions { ClusterSecret = Secret, ClientId = "reader", Roles = ClientRoles.Read });
            byte[] validJoin = MembershipCodec.Encode(MembershipMessage.Join(new SiloAddress("127.0.0.1", 1, 1)));

            byte[][] garbage =
            [
                [],
                [1],
                [9, 1, 0],
                [1, 200],
                validJoin[..^3],
                [.. validJoin, 0],
                MembershipCodec.Encode(MembershipMessage.ViewResponse(before)),
            ];
            foreach (byte[] payload in garbage)
            {
                var error = await Assert.ThrowsAsync<RemoteCallException>(() => admin.CallAsync(payload));
                Assert.Equal(typeof(MembershipMessageFormatException).FullName, error.RemoteTypeName);
            }

            await admin.SendOneWayAsync(validJoin);
            var denied = await Assert.ThrowsAsync<RemoteCallException>(() => reader.CallAsync(validJoin));
            Assert.Equal(typeof(UnauthorizedAccessException).FullName, denied.RemoteTypeName);

            Assert.True(target.Agent.View.ContentEquals(before), $"the view changed: {target.Agent.View}");
            MembershipMessage ack = MembershipCodec.Decode(
                await admin.CallAsync(MembershipCodec.Encode(MembershipMessage.Probe(silos[1].Address, target.Address, 0))), 16);
            Assert.Equal(MembershipMessageKind.ProbeAck, ack.Kind);
            Assert.Equal(target.Address, ack.Silo);
            Assert.All(silos, s => Assert.Equal(2, s.Agent.View.ActiveSilos.Count));
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }
}
