using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;

namespace OrleansRep.Simulation.Runs;

/// <summary>
/// The faults of a run beyond the wire's own misbehaviour (the faults stream): every 50-500 ms one of crash a site
/// (restarted 0.1-5 s later as client or by election), split the sites into two groups, cut one direction of one
/// link, heal, slow a disk down for a while, or have an operator call an election. <see cref="Stop"/> ends injection;
/// <see cref="Settle"/> then heals everything and restarts every crashed site, for the quiet period.
/// </summary>
public sealed class FaultInjector
{
    private readonly SimCluster _cluster;
    private readonly Random _random;

    public FaultInjector(SimCluster cluster, Random random)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(random);
        _cluster = cluster;
        _random = random;
    }

    public bool Running { get; private set; }

    public void Start()
    {
        Running = true;
        ScheduleNext();
    }

    public void Stop() => Running = false;

    /// <summary>Heals the network, quiets it, restores disks and restarts every crashed site as a client.</summary>
    public void Settle()
    {
        Running = false;
        _cluster.Network.Heal();
        _cluster.Network.Faults = _cluster.Network.Faults.Quiet();
        foreach (var site in _cluster.AllSites)
        {
            site.SlowUntil = 0;
            if (!site.IsUp)
            {
                _cluster.Restart(site.Id, RepStartRole.Client);
            }
        }

        _cluster.Note("settle: faults stopped, network healed, every site up");
    }

    private void ScheduleNext() => _cluster.At(_cluster.Now + _random.NextInt64(SimTime.Ms(50), SimTime.Ms(500)), Inject);

    private void Inject()
    {
        if (!Running)
        {
            return;
        }

        var sites = _cluster.Sites;
        var roll = _random.Next(100);
        switch (roll)
        {
            case < 25:
                Crash();
                break;
            case < 40:
                Partition(sites);
                break;
            case < 50:
                var from = sites[_random.Next(sites.Count)];
                var to = sites[_random.Next(sites.Count)];
                if (from != to)
                {
                    _cluster.Network.CutOneWay(from, to);
                    _cluster.Note($"cut {from}->{to}");
                }

                break;
            case < 65:
                _cluster.Network.Heal();
                _cluster.Note("heal");
                break;
            case < 80:
                _cluster.SlowDisk(sites[_random.Next(sites.Count)], _random.Next(5, 51), _cluster.Now + _random.NextInt64(SimTime.Ms(100), SimTime.Seconds(2)));
                break;
            case >= 95:
                Handover();
                break;
            default:
                var up = _cluster.AllSites.Where(s => s.IsUp).ToList();
                if (up.Count > 0)
                {
                    var site = up[_random.Next(up.Count)];
                    _cluster.Faults.Add(FaultKind.CallElection);
                    _cluster.Note($"operator: elect on {site.Id}");
                    _cluster.Command(site.Id, new CallElection());
                }

                break;
        }

        if (Running)
        {
            ScheduleNext();
        }
    }

    /// <summary>
    /// A handover as the service carries it out once its target caught up: a master none of whose commits its target
    /// lacks (the target acknowledged the last PERM record and applied all it received) steps down, and the target is
    /// promoted at once, told that the master stepped down (so a lease grant to it binds no more). Acknowledged writes
    /// must all survive it. Nothing happens when no client is caught up at that moment.
    /// </summary>
    private void Handover()
    {
        var master = _cluster.AllSites.FirstOrDefault(s => s.IsUp && s.Role == RepRole.Master);
        var target = master is null ? null : _cluster.AllSites
            .Where(s => s.IsUp && s != master && s.Role == RepRole.Client && s.Master == master.Id && s.Node.AppliedAllReceived
                && master.Node.AckedBy(s.Id) >= master.Node.MaxPermLsn && !master.Node.MaxPermLsn.IsZero
                && s.Node.State.Sites.TryGetValue(s.Id, out var self) && self.Priority > 0)
            .OrderBy(_ => _random.Next())
            .FirstOrDefault();
        if (master is null || target is null)
        {
            return;
        }

        _cluster.Faults.Add(FaultKind.Handover);
        _cluster.Note($"operator: handover {master.Id} -> {target.Id}");
        _cluster.Command(master.Id, new StepDown());
        _cluster.Command(target.Id, new Promote(PromotionMode.Fast, master.Id)); // a refusal is noted and changes nothing
    }

    private void Crash()
    {
        var up = _cluster.AllSites.Where(s => s.IsUp).Select(s => s.Id).ToList();
        if (up.Count == 0)
        {
            return;
        }

        var victim = up[_random.Next(up.Count)];
        _cluster.Crash(victim);
        var role = _random.NextDouble() < 0.5 ? RepStartRole.Client : RepStartRole.Election;
        _cluster.At(_cluster.Now + _random.NextInt64(SimTime.Ms(100), SimTime.Seconds(5)), () =>
        {
            if (Running)
            {
                _cluster.Restart(victim, role);
            }
        });
    }

    private void Partition(IReadOnlyList<SiteId> sites)
    {
        if (sites.Count < 2)
        {
            return;
        }

        var shuffled = sites.OrderBy(_ => _random.Next()).ToList();
        var cut = _random.Next(1, shuffled.Count);
        var a = shuffled.Take(cut).ToList();
        var b = shuffled.Skip(cut).ToList();
        _cluster.Network.Partition([a, b]);
        _cluster.Note($"partition {string.Join(' ', a.Order())} | {string.Join(' ', b.Order())}");
        _cluster.At(_cluster.Now + _random.NextInt64(SimTime.Ms(200), SimTime.Seconds(5)), () =>
        {
            if (Running)
            {
                _cluster.Network.Heal();
                _cluster.Note("heal");
            }
        });
    }
}
