using System.Collections.Immutable;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>
/// Sites 1..count on engine stores, wired by an in-test FIFO message pump (a broadcast goes to every other site that
/// is up), with one group clock for ticks. Deterministic: no threads, no wall clock.
/// </summary>
internal sealed class EngineGroup : IDisposable
{
    private readonly Dictionary<SiteId, int> _consumed = [];
    private readonly Queue<(SiteId From, Send Send)> _inFlight = new();

    public EngineGroup(int count, ReplicationOptions? options = null)
    {
        var members = Enumerable.Range(1, count)
            .Select(i => new SiteInfo(new SiteId(i), $"site{i}:0", 100))
            .ToImmutableSortedDictionary(s => s.Id, s => s);
        Sites = Enumerable.Range(1, count).Select(i => new EngineSite(i, options ?? new ReplicationOptions(), new RepPersistentState { Sites = members, MembershipVersion = 1 })).ToList();
        foreach (var site in Sites)
        {
            _consumed[site.Id] = 0;
        }
    }

    public IReadOnlyList<EngineSite> Sites { get; }

    public HashSet<SiteId> Down { get; } = [];

    public long Now { get; private set; }

    public EngineSite this[int id] => Sites[id - 1];

    public IReadOnlyList<EngineSite> Masters => Sites.Where(s => !Down.Contains(s.Id) && s.Node.Role == RepRole.Master).ToList();

    public void Command(int id, RepCommand command)
    {
        this[id].Step(new Command(command));
        Pump();
    }

    /// <summary>Moves the clock on by <paramref name="by"/> in 100 ms ticks, delivering after each.</summary>
    public void Run(TimeSpan by)
    {
        var end = Now + (by.Ticks / TimeSpan.TicksPerMicrosecond);
        while (Now < end)
        {
            Now = Math.Min(end, Now + 100_000);
            foreach (var site in Sites.Where(s => !Down.Contains(s.Id)))
            {
                site.Step(new Tick(Now));
                Pump();
            }
        }
    }

    /// <summary>Delivers until nothing is in flight (bounded: a storm fails the test).</summary>
    public void Pump()
    {
        Collect();
        for (var limit = 1_000_000; _inFlight.Count > 0; limit--)
        {
            Assert.True(limit > 0, "message storm");
            var (from, send) = _inFlight.Dequeue();
            foreach (var to in Sites.Where(s => !Down.Contains(s.Id) && (send.To.IsBroadcast ? s.Id != from : s.Id == send.To.Site)))
            {
                to.Step(new MessageReceived(send.Message, send.Flags));
            }

            Collect();
        }
    }

    /// <summary>Messages sent by a site while it is down are lost with it.</summary>
    private void Collect()
    {
        foreach (var site in Sites)
        {
            for (var i = _consumed[site.Id]; i < site.Log.Count; i++)
            {
                if (site.Log[i] is Send send && !Down.Contains(site.Id))
                {
                    _inFlight.Enqueue((site.Id, send));
                }
            }

            _consumed[site.Id] = site.Log.Count;
        }
    }

    public void Dispose()
    {
        foreach (var site in Sites)
        {
            site.Dispose();
        }
    }
}
