using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using OrleansRep.Storage;
using Xunit.Abstractions;

namespace OrleansRep.Replication.Tests;

/// <summary>
/// Elections under a hostile, seeded schedule: a lossy network, partitions, crashes and restarts. At every delivery
/// no two sites may be master of one generation (each election generation has at most one winner), and once the
/// network heals and every site is back the group settles on exactly one master that every site follows.
/// </summary>
public sealed class ElectionSafetyTests(ITestOutputHelper output)
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        var count = Environment.GetEnvironmentVariable("OREP_LONG") == "1" ? 500 : 25;
        for (var seed = 1; seed <= count; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void One_master_per_generation_and_one_master_after_healing(int seed)
    {
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var size = 2 + random.Next(4);
        var options = new ReplicationOptions
        {
            HeartbeatSend = TimeSpan.FromSeconds(1),
            HeartbeatMonitor = TimeSpan.FromSeconds(3),
            TwoSiteStrict = random.Next(2) == 0,
            FullElectionTimeout = random.Next(2) == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(6),
        };
        output.WriteLine($"{size} sites, {options}");
        // Some sites may never be master (priority 0); site 1 always may, so that a master can be elected at all.
        var priorities = Enumerable.Range(0, size + 1).Select(i => i > 1 && random.Next(4) == 0 ? 0 : 100).ToArray();
        var group = new TestGroup(size, i => options with { Priority = priorities[i] });
        for (var i = 1; i <= size; i++)
        {
            // Logs of different lengths, so that the ranking has something to decide.
            for (var r = 0; r < random.Next(4); r++)
            {
                group[i].Store.AppendLocal(RecordKind.Commit, new byte[32]);
            }
        }

        var lossRate = random.NextDouble() * 0.3;
        group.Lose = (_, _, _) => random.NextDouble() < lossRate;
        // A non-strict two-site group elects with one vote: both halves of a partition may win the same egen.
        // That is the availability it trades durability for, so only the other groups must keep this invariant.
        if (size > 2 || options.TwoSiteStrict)
        {
            group.AfterDelivery = () => AssertOneMasterPerGeneration(group, seed);
        }
        group.StartAll(RepStartRole.Election);

        for (var step = 0; step < 40; step++)
        {
            var site = 1 + random.Next(size);
            switch (random.Next(6))
            {
                case 0 when !group.Down.Contains(new SiteId(site)):
                    group.Down.Add(new SiteId(site)); // crash
                    break;
                case 1 when group.Down.Contains(new SiteId(site)):
                    group.Down.Remove(new SiteId(site));
                    // repmgr's usual start (a site started as plain client never calls an election by itself).
                    group.Restart(site).Command(new StartReplication(RepStartRole.Election));
                    group.Pump();
                    break;
                case 2:
                    group.Cut(site, 1 + random.Next(size));
                    break;
                case 3:
                    group.Heal();
                    break;
                case 4 when !group.Down.Contains(new SiteId(site)) && group[site].Node.Role == RepRole.Client:
                    group.Command(site, new CallElection()); // an operator (or a Base API host) calls one
                    break;
            }

            group.Run(TimeSpan.FromMilliseconds(100 + random.Next(3000)));
        }

        // Heal everything: every site back, no loss.
        group.Lose = null;
        group.Heal();
        foreach (var down in group.Down.ToList())
        {
            group.Down.Remove(down);
            group.Restart(down.Value).Command(new StartReplication(RepStartRole.Election));
        }

        group.Pump();
        group.Run(TimeSpan.FromSeconds(90));

        Assert.True(group.Masters.Count == 1, $"seed {seed}: {group.Masters.Count} masters after healing{Environment.NewLine}{group.Describe()}{Environment.NewLine}{string.Join(Environment.NewLine, group.RecentDeliveries)}");
        var master = group.Masters[0];
        Assert.All(group.Sites, s => Assert.True(s.Node.Master == master.Id && s.Node.Gen == master.Node.Gen,
            $"seed {seed}: {s.Id} follows {s.Node.Master} in gen {s.Node.Gen}, master is {master.Id} in gen {master.Node.Gen}"));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_network_input_never_throws_out_of_a_step(int seed)
    {
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var types = new[]
        {
            RepMessageType.Vote1, RepMessageType.Vote2, RepMessageType.Alive, RepMessageType.AliveReq, RepMessageType.MasterReq,
            RepMessageType.DupMaster, RepMessageType.Heartbeat, RepMessageType.NewMaster, RepMessageType.NewClient,
            RepMessageType.JoinRequest, RepMessageType.Membership, RepMessageType.RemoveRequest, RepMessageType.NewSite,
        };
        var sites = Enumerable.Range(1, 3).Select(i => TestMessages.StartedClient(i, 3, new ReplicationOptions { HeartbeatSend = TimeSpan.FromSeconds(1), HeartbeatMonitor = TimeSpan.FromSeconds(2) })).ToList();
        sites[0].Command(new StartReplication(RepStartRole.Master));

        for (var i = 0; i < 400; i++)
        {
            var to = sites[random.Next(sites.Count)];
            var from = 1 + random.Next(5);
            if (from == to.Id.Value)
            {
                continue;
            }

            var message = new RepMessage(types[random.Next(types.Length)], new SiteId(from), RandomGen(random), new Lsn((uint)random.Next(3), (uint)random.Next(200)), (RepControl)random.Next(64), RandomPayload(random));
            to.Receive(message);
            if (random.Next(10) == 0)
            {
                to.Advance(TimeSpan.FromMilliseconds(random.Next(5000)));
            }
        }
    }

    private static uint RandomGen(Random random) => random.Next(4) switch
    {
        0 => 0,
        1 => (uint)random.Next(5),
        2 => uint.MaxValue - (uint)random.Next(3),
        _ => (uint)random.Next(1000),
    };

    private static RepPayload? RandomPayload(Random random) => random.Next(8) switch
    {
        0 => null,
        1 => new VotePayload(RandomGen(random), random.Next(-2, 2000), random.Next(-2, 2000), random.Next(-1, 200), random.Next(2) == 0, RandomGen(random), new Lsn((uint)random.Next(3), 0), (uint)random.Next(), random.Next(2) == 0),
        2 => new AlivePayload(RandomGen(random)),
        3 => new SitePayload(new SiteInfo(new SiteId(random.Next(-1, 6)), random.Next(3) == 0 ? null! : "x", random.Next(-1, 100))),
        4 => new MembershipPayload(random.Next(3) == 0 ? null! : Enumerable.Range(0, random.Next(5)).Select(i => new SiteInfo(new SiteId(random.Next(0, 6)), "a", random.Next(-1, 3))).ToList(), random.Next(-1, 5)),
        5 => new NewMasterPayload(new Lsn(1, (uint)random.Next(100))),
        6 => new RangePayload(Lsn.Zero),
        _ => new MembershipPayload([null!], 3),
    };

    private static void AssertOneMasterPerGeneration(TestGroup group, int seed)
    {
        var masters = group.Sites.Where(s => s.Node.Role == RepRole.Master).ToList();
        for (var a = 0; a < masters.Count; a++)
        {
            for (var b = a + 1; b < masters.Count; b++)
            {
                Assert.False(masters[a].Node.Gen == masters[b].Node.Gen,
                    $"seed {seed}: {masters[a].Id} and {masters[b].Id} are both master of gen {masters[a].Node.Gen}");
            }
        }
    }
}
