using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Replication.Tests.Support;
using static OrleansRep.Replication.Tests.Support.Groups;

namespace OrleansRep.Replication.Tests;

/// <summary>
/// The log path end to end: a master and two clients on a seeded network that drops, duplicates and reorders.
/// Clients must end with the master's log byte for byte (gap requests, parking, NEWFILE, LOG_MORE and bulk doing their
/// part), and every proposal must be answered exactly once.
/// </summary>
public sealed class LogPathScenarioTests
{
    /// <summary>Five seeded runs by default; <c>OREP_LONG=1</c> runs two hundred.</summary>
    public static TheoryData<int, double, bool, long> Runs()
    {
        var data = new TheoryData<int, double, bool, long>
        {
            { 1, 0.0, false, 0L },
            { 2, 0.2, false, 0L },
            { 3, 0.2, true, 0L },
            { 4, 0.3, false, 300L },
            { 5, 0.3, true, 2000L },
        };
        if (Environment.GetEnvironmentVariable("OREP_LONG") == "1")
        {
            for (var seed = 6; seed < 206; seed++)
            {
                data.Add(seed, 0.05 * (seed % 7), seed % 2 == 0, seed % 3 == 0 ? 0L : 150L * (seed % 5 + 1));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Clients_converge_on_the_master_log_despite_a_lossy_reordering_network(int seed, double dropRate, bool bulk, long requestLimit)
    {
        var options = new ReplicationOptions { Bulk = bulk, BulkBytes = 1024, RequestLimitBytes = requestLimit };
        var net = new LossyNetwork(seed, dropRate);
        var master = net.Add(Master(options));
        net.Add(Client(2, options));
        net.Add(Client(3, options));

        for (var i = 1; i <= 60; i++)
        {
            if (i % 20 == 0)
            {
                var end = master.Store.LogEnd;
                master.Store.Carry([new StartLogFile(end.File + 1)]);
                net.Step(master, new LocalNewFile(end));
            }

            var records = new List<LogRecordView>();
            for (var k = 0; k < 1 + (i % 3); k++)
            {
                records.Add(master.Store.AppendLocal(RecordKind.Data, Bytes(i, k, 40 + (i * 7 % 50))));
            }

            records.Add(master.Store.AppendLocal(RecordKind.Commit, Bytes(i, 99, 24)));
            net.Step(master, new LocalCommit(i, records));
            net.Deliver(net.Random.Next(0, 8));
            if (i % 3 == 0)
            {
                net.AdvanceAll(TimeSpan.FromMilliseconds(10));
            }
        }

        // Heal the network; one more live commit shows clients any gap at the tail. (It may still miss its ack
        // timeout: a client's gap requests can be backed off to 1.28 s by then, and each gap between parked records
        // costs one such wait, so catching up after heavy loss takes many simulated seconds.)
        net.DropRate = 0;
        var last = master.Store.AppendLocal(RecordKind.Commit, Bytes(61, 0, 24));
        net.Step(master, new LocalCommit(61, [last]));
        for (var round = 0; round < 30_000 && !net.CaughtUp(); round++)
        {
            net.Deliver(int.MaxValue);
            net.AdvanceAll(TimeSpan.FromMilliseconds(10));
        }

        // Once caught up, a commit on the healed network is acknowledged in time.
        var healed = master.Store.AppendLocal(RecordKind.Commit, Bytes(62, 0, 24));
        net.Step(master, new LocalCommit(62, [healed]));
        net.Deliver(int.MaxValue);
        net.AdvanceAll(TimeSpan.FromSeconds(2)); // any proposal still waiting is decided by now
        net.Deliver(int.MaxValue);

        foreach (var client in net.Sites.Values.Where(s => s != master))
        {
            Assert.True(
                client.Store.Records.Select(r => (r.Lsn, r.Kind, Convert.ToHexString(r.Frame.Span))).SequenceEqual(
                    master.Store.Records.Select(r => (r.Lsn, r.Kind, Convert.ToHexString(r.Frame.Span)))),
                $"seed {seed}: {client.Id} has {client.Store.Records.Count} records to {client.Store.LogEnd}, master {master.Store.Records.Count} to {master.Store.LogEnd}; waiting {client.Node.Applier.WaitingLsn} maxwait {client.Node.Applier.MaxWaitLsn}, parked {client.Store.ParkedCount}; recent: {string.Join(" | ", client.Log.TakeLast(12))}");
            Assert.Equal(0, client.Store.ParkedCount);
        }

        var replies = net.Replies.GroupBy(r => r.ProposalId).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(Enumerable.Range(1, 62).Select(i => (long)i), replies.Keys.Order());
        Assert.All(replies.Values, list => Assert.Single(list));
        if (dropRate == 0)
        {
            var failed = replies.Where(kv => kv.Value[0].Outcome is not Committed).Select(kv => $"{kv.Key}:{kv.Value[0].Outcome}").ToList();
            Assert.True(failed.Count == 0, $"seed {seed}: not committed: {string.Join("; ", failed)}; log {string.Join(" | ", master.Log.Take(400))}");
        }

        Assert.IsType<Committed>(replies[62][0].Outcome);
    }

    private static byte[] Bytes(int txn, int index, int length)
    {
        var b = new byte[length];
        for (var i = 0; i < b.Length; i++)
        {
            b[i] = (byte)((txn * 31) + (index * 7) + i);
        }

        return b;
    }

    /// <summary>Delivers sends between test sites in random order, dropping and duplicating some; every site's log
    /// becomes durable after each step (the engine's group commit).</summary>
    private sealed class LossyNetwork(int seed, double dropRate)
    {
        private readonly List<(SiteId To, RepMessage Message, SendOptions Flags)> _inFlight = [];

        public Random Random { get; } = new(seed);

        public double DropRate { get; set; } = dropRate;

        public Dictionary<SiteId, TestSite> Sites { get; } = [];

        public List<ReplyProposal> Replies { get; } = [];

        public TestSite Add(TestSite site)
        {
            Sites.Add(site.Id, site);
            return site;
        }

        public void Step(TestSite site, RepInput input)
        {
            var before = site.Log.Count;
            site.Step(input);
            Collect(site, before);
        }

        public void Deliver(int count)
        {
            for (var i = 0; i < count && _inFlight.Count > 0; i++)
            {
                var index = Random.Next(_inFlight.Count);
                var (to, message, flags) = _inFlight[index];
                _inFlight.RemoveAt(index);
                var roll = Random.NextDouble();
                if (roll < DropRate || !Sites.TryGetValue(to, out var site))
                {
                    continue;
                }

                if (roll < DropRate * 1.25)
                {
                    _inFlight.Add((to, message, flags)); // duplicated: delivered again later
                }

                Step(site, new MessageReceived(message, flags));
            }
        }

        public void AdvanceAll(TimeSpan by)
        {
            foreach (var site in Sites.Values)
            {
                var before = site.Log.Count;
                site.Advance(by);
                Collect(site, before);
            }
        }

        /// <summary>Makes the site's log durable (group commit) and routes what it did since <paramref name="before"/>.</summary>
        private void Collect(TestSite site, int before)
        {
            if (site.Store.LogEnd > site.Store.Durable)
            {
                site.Step(new LogDurable(site.Store.MakeDurable()));
            }

            foreach (var action in site.Log.Skip(before).ToList())
            {
                switch (action)
                {
                    case Send { To.IsBroadcast: true } send:
                        foreach (var other in Sites.Keys.Where(k => k != site.Id))
                        {
                            _inFlight.Add((other, send.Message, send.Flags));
                        }

                        break;
                    case Send send:
                        _inFlight.Add((send.To.Site, send.Message, send.Flags));
                        break;
                    case ReplyProposal reply:
                        Replies.Add(reply);
                        break;
                }
            }
        }

        public bool CaughtUp()
        {
            var master = Sites[S1];
            return _inFlight.Count == 0 && Sites.Values.All(s => s.Store.LogEnd == master.Store.LogEnd && s.Store.ParkedCount == 0);
        }
    }
}
