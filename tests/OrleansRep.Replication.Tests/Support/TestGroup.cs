using System.Collections.Immutable;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>
/// Several <see cref="TestSite"/>s wired together by a tiny in-test message pump: every <see cref="Send"/> a site
/// emits is delivered, in emission order (FIFO), to its destination's <see cref="TestSite.Receive"/> (a broadcast
/// to every other site). Sites marked <see cref="Down"/> neither receive nor tick; <see cref="Cut"/> drops messages
/// between two sites. One group clock drives every site's ticks. Deterministic: no threads, no wall clock.
/// </summary>
internal sealed class TestGroup
{
    private readonly List<TestSite> _sites = [];
    private readonly Dictionary<SiteId, int> _consumed = [];
    private readonly Queue<(SiteId From, Send Send)> _inFlight = new();
    private readonly HashSet<(SiteId, SiteId)> _cut = [];
    private readonly Func<int, ReplicationOptions> _options;
    private readonly Queue<string> _recent = new();

    /// <param name="count">Sites 1..count, each knowing the whole group (as if every site had joined).</param>
    /// <param name="options">Options per site id (default: Berkeley DB's defaults).</param>
    /// <param name="stores">The log each site starts with, per site id (default: empty).</param>
    public TestGroup(int count, Func<int, ReplicationOptions>? options = null, Func<int, MemoryReplicaStore>? stores = null)
    {
        _options = options ?? (_ => new ReplicationOptions());
        var members = Enumerable.Range(1, count)
            .Select(i => new SiteInfo(new SiteId(i), $"site{i}:0", _options(i).Priority))
            .ToImmutableSortedDictionary(s => s.Id, s => s);
        for (var i = 1; i <= count; i++)
        {
            var site = new TestSite(i, _options(i), new RepPersistentState { Sites = members, MembershipVersion = 1 }, stores?.Invoke(i));
            _sites.Add(site);
            _consumed[site.Id] = 0;
        }
    }

    public IReadOnlyList<TestSite> Sites => _sites;

    /// <summary>The group clock, in microseconds.</summary>
    public long Now { get; private set; }

    /// <summary>Sites that are down (crashed or unreachable): nothing is delivered to them and they do not tick.</summary>
    public HashSet<SiteId> Down { get; } = [];

    /// <summary>If set, a message for which it returns true is lost (from, to, message): a seeded lossy network.</summary>
    public Func<SiteId, SiteId, RepMessage, bool>? Lose { get; set; }

    /// <summary>Called after every delivery (e.g. to check an invariant at every point of a run).</summary>
    public Action? AfterDelivery { get; set; }

    /// <summary>The last deliveries ("from -> to: message"), oldest first, for failure messages.</summary>
    public IReadOnlyCollection<string> RecentDeliveries => _recent;

    /// <summary>Each site's view (role, gen, egen, master, election), one line per site, for failure messages.</summary>
    public string Describe() => string.Join(Environment.NewLine, _sites.Select(s =>
        $"{s.Id}{(Down.Contains(s.Id) ? " DOWN" : "")}: {s.Node.Role} gen {s.Node.Gen} egen {s.Node.State.Egen} master {s.Node.Master}" +
        (s.Node.Elector.Round is { } r ? $" electing egen {r.Egen} phase {r.Phase} votes {r.Voters}/{r.Nsites} need {r.Nvotes} vote2s {r.Vote2Count} winner {r.Winner?.Site}" : "")));

    /// <summary>Messages delivered so far.</summary>
    public int Delivered { get; private set; }

    public TestSite this[int id] => _sites.Single(s => s.Id.Value == id);

    /// <summary>Drops every message between <paramref name="a"/> and <paramref name="b"/> (both ways).</summary>
    public void Cut(int a, int b)
    {
        _cut.Add((new SiteId(a), new SiteId(b)));
        _cut.Add((new SiteId(b), new SiteId(a)));
    }

    /// <summary>Removes every cut.</summary>
    public void Heal() => _cut.Clear();

    /// <summary>Gives <paramref name="id"/> a command, then delivers until quiet.</summary>
    public IReadOnlyList<RepAction> Command(int id, RepCommand command)
    {
        var actions = this[id].Command(command);
        Pump();
        return actions;
    }

    /// <summary>Starts every site (that is not down) in <paramref name="role"/>, then delivers until quiet.</summary>
    public void StartAll(RepStartRole role)
    {
        foreach (var site in _sites.Where(s => !Down.Contains(s.Id)))
        {
            site.Command(new StartReplication(role));
        }

        Pump();
    }

    /// <summary>Moves the group clock on by <paramref name="by"/> in steps of <paramref name="step"/>, ticking every
    /// live site and delivering after each tick.</summary>
    public void Run(TimeSpan by, TimeSpan? step = null)
    {
        var stepMicros = (step ?? TimeSpan.FromMilliseconds(100)).Ticks / TimeSpan.TicksPerMicrosecond;
        var end = Now + (by.Ticks / TimeSpan.TicksPerMicrosecond);
        while (Now < end)
        {
            Now = Math.Min(end, Now + stepMicros);
            foreach (var site in _sites.Where(s => !Down.Contains(s.Id)))
            {
                site.Step(new Tick(Now));
                Pump();
            }
        }
    }

    /// <summary>Runs the group for <paramref name="by"/>, every site's log made durable at each step (the engine's
    /// group commit, which the test group leaves to the test).</summary>
    public void RunDurably(TimeSpan by)
    {
        for (var t = TimeSpan.Zero; t < by; t += TimeSpan.FromMilliseconds(50))
        {
            foreach (var site in Sites)
            {
                site.Step(new LogDurable(site.Store.MakeDurable()));
            }

            Pump();
            Run(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Delivers every message in flight (and the ones they cause) until none is left. Bounded, so a
    /// message storm fails the test instead of hanging it.</summary>
    public void Pump(int limit = 100_000)
    {
        Collect();
        while (_inFlight.Count > 0)
        {
            if (--limit < 0)
            {
                throw new InvalidOperationException($"message storm: more than the limit delivered, {_inFlight.Count} still in flight; last deliveries:{Environment.NewLine}{string.Join(Environment.NewLine, _recent)}{Environment.NewLine}{Describe()}");
            }

            var (from, send) = _inFlight.Dequeue();
            foreach (var to in Destinations(from, send.To))
            {
                if (Lose?.Invoke(from, to.Id, send.Message) == true)
                {
                    continue;
                }

                if (_recent.Count == 40)
                {
                    _recent.Dequeue();
                }

                _recent.Enqueue($"@{Now} {from} -> {to.Id}: {send.Message}");
                to.Receive(send.Message, send.Flags);
                Delivered++;
                AfterDelivery?.Invoke();
            }

            Collect();
        }
    }

    /// <summary>Crash and restart site <paramref name="id"/>: the log loses what was not durable, volatile state is
    /// gone, the persisted state survives. The new incarnation is not started (give it a StartReplication).</summary>
    public TestSite Restart(int id)
    {
        var old = this[id];
        old.Store.Crash();
        var fresh = new TestSite(id, _options(id), old.Store.State, old.Store);
        _sites[_sites.IndexOf(old)] = fresh;
        _consumed[fresh.Id] = 0;
        fresh.Step(new Tick(Now));
        return fresh;
    }

    /// <summary>The sites that believe they are master.</summary>
    public IReadOnlyList<TestSite> Masters => _sites.Where(s => !Down.Contains(s.Id) && s.Node.Role == RepRole.Master).ToList();

    private IEnumerable<TestSite> Destinations(SiteId from, Destination to)
    {
        foreach (var site in _sites)
        {
            var addressed = to.IsBroadcast ? site.Id != from : site.Id == to.Site;
            if (addressed && !Down.Contains(site.Id) && !_cut.Contains((from, site.Id)))
            {
                yield return site;
            }
        }
    }

    private void Collect()
    {
        foreach (var site in _sites)
        {
            var seen = _consumed[site.Id];
            for (var i = seen; i < site.Log.Count; i++)
            {
                if (site.Log[i] is Send send && !Down.Contains(site.Id))
                {
                    _inFlight.Enqueue((site.Id, send));
                }
            }

            _consumed[site.Id] = site.Log.Count;
        }
    }
}
