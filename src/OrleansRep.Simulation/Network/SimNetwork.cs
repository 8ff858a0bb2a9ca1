using OrleansRep.Replication;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Simulation.Network;

/// <summary>
/// The simulated wire between sites: messages in flight with the time each is due, and the faults of
/// <see cref="Faults"/> (drop, duplicate, long delay, reorder) and of cut links (symmetric partitions, one-way cuts).
/// <para>
/// Routing, as a Replication Manager host does it: <see cref="Destination.Broadcast"/> goes to every other site.
/// A send flagged <see cref="SendOptions.ReRequest"/> is for the master only: it goes to the site named, and a
/// broadcast re-request goes to the master its sender believes in (as sent when it knows none). A send flagged
/// <see cref="SendOptions.Anywhere"/> without ReRequest may be answered by any client, so with
/// <see cref="NetworkFaults.AnywhereRedirectRate"/> it is delivered to another client (not the sender, not the site
/// named, not a site that believes it is master) instead, as repmgr sends such requests to a peer.
/// </para>
/// <para>
/// A cut link loses what is sent on it and what is due on it while it is cut (a message in flight when the cut
/// starts is lost at its due time). Each link holds at most <see cref="MaxInFlightPerLink"/> messages; more are lost
/// (a full socket buffer), counted as <see cref="FaultKind.Overflow"/>.
/// </para>
/// </summary>
public sealed class SimNetwork
{
    /// <summary>Default bound of messages in flight on one directed link.</summary>
    public const int DefaultMaxInFlightPerLink = 1024;

    private readonly PriorityQueue<InFlightMessage, (long Due, long Seq)> _queue = new();
    private readonly Dictionary<(SiteId From, SiteId To), int> _perLink = [];
    private readonly HashSet<(SiteId From, SiteId To)> _cut = [];
    private readonly ISiteDirectory _directory;
    private readonly Random _random;
    private NetworkFaults _faults;
    private long _sequence;

    public SimNetwork(ISiteDirectory directory, Random random, NetworkFaults faults, FaultCounter counter, int maxInFlightPerLink = DefaultMaxInFlightPerLink)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlightPerLink, 1);
        faults.Validate();
        _directory = directory;
        _random = random;
        _faults = faults;
        Counter = counter;
        MaxInFlightPerLink = maxInFlightPerLink;
    }

    public int MaxInFlightPerLink { get; }

    /// <summary>Raised after a partition, a one-way cut or a heal changed which links are cut (the host recomputes
    /// its connections, see <see cref="Cluster.SimCluster"/>).</summary>
    public event Action? LinksChanged;

    public FaultCounter Counter { get; }

    public NetworkFaults Faults
    {
        get => _faults;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _faults = value;
        }
    }

    public int InFlight => _queue.Count;

    public long Delivered { get; private set; }

    /// <summary>When the next message is due, or null when nothing is in flight.</summary>
    public long? NextDue => _queue.TryPeek(out _, out var key) ? key.Due : null;

    /// <summary>Every message in flight, in delivery order.</summary>
    public IReadOnlyList<InFlightMessage> Pending => _queue.UnorderedItems.OrderBy(i => i.Priority).Select(i => i.Element).ToList();

    public bool IsCut(SiteId from, SiteId to) => _cut.Contains((from, to));

    /// <summary>Routes and queues a send (see the class comment); returns the copies queued.</summary>
    public IReadOnlyList<InFlightMessage> Send(long now, SiteId from, Destination to, RepMessage message, SendOptions flags)
    {
        ArgumentNullException.ThrowIfNull(message);
        var queued = new List<InFlightMessage>();
        foreach (var target in Route(from, to, flags))
        {
            Enqueue(now, from, target, message, flags, queued);
        }

        return queued;
    }

    /// <summary>The next message due at or before <paramref name="now"/>, skipping (and counting) those whose link is
    /// cut at their due time.</summary>
    public bool TryTakeDue(long now, out InFlightMessage message)
    {
        while (_queue.TryPeek(out var next, out var key) && key.Due <= now)
        {
            _queue.Dequeue();
            if (TakeOff(next))
            {
                message = next;
                return true;
            }
        }

        message = null!;
        return false;
    }

    /// <summary>The next message in delivery order whatever its due time (scenarios deliver by hand).</summary>
    public bool TryTakeNext(out InFlightMessage message)
    {
        while (_queue.TryDequeue(out var next, out _))
        {
            if (TakeOff(next))
            {
                message = next;
                return true;
            }
        }

        message = null!;
        return false;
    }

    /// <summary>Removes the messages in flight that match (a scenario's "drop 1->2"), counted as dropped; returns them.</summary>
    public IReadOnlyList<InFlightMessage> DropWhere(Func<InFlightMessage, bool> match)
    {
        var dropped = RemoveWhere(match);
        Counter.Add(FaultKind.Drop, dropped.Count);
        return dropped;
    }

    /// <summary>Takes the messages in flight that match, in delivery order, for delivery now (a scenario's
    /// "deliver 1->2"); those whose link is cut are lost as at their due time.</summary>
    public IReadOnlyList<InFlightMessage> TakeWhere(Func<InFlightMessage, bool> match)
    {
        var taken = new List<InFlightMessage>();
        foreach (var m in RemoveWhere(match))
        {
            if (!_cut.Contains((m.From, m.To)))
            {
                Delivered++;
                taken.Add(m);
            }
            else
            {
                Counter.Add(FaultKind.PartitionDrop);
            }
        }

        return taken;
    }

    private List<InFlightMessage> RemoveWhere(Func<InFlightMessage, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var all = _queue.UnorderedItems.ToList();
        var removed = all.Where(i => match(i.Element)).OrderBy(i => i.Priority).Select(i => i.Element).ToList();
        if (removed.Count == 0)
        {
            return removed;
        }

        _queue.Clear();
        foreach (var item in all.Where(i => !match(i.Element)))
        {
            _queue.Enqueue(item.Element, item.Priority);
        }

        foreach (var m in removed)
        {
            DecrementLink(m.From, m.To);
        }

        return removed;
    }

    /// <summary>Cuts every link between the groups, both ways (sites in no group keep their links).</summary>
    public void Partition(IReadOnlyList<IReadOnlyCollection<SiteId>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        for (var i = 0; i < groups.Count; i++)
        {
            for (var j = 0; j < groups.Count; j++)
            {
                if (i == j)
                {
                    continue;
                }

                foreach (var a in groups[i])
                {
                    foreach (var b in groups[j])
                    {
                        _cut.Add((a, b));
                    }
                }
            }
        }

        Counter.Add(FaultKind.Partition);
        LinksChanged?.Invoke();
    }

    /// <summary>Cuts one direction of one link: <paramref name="from"/> can no longer reach <paramref name="to"/>.</summary>
    public void CutOneWay(SiteId from, SiteId to)
    {
        _cut.Add((from, to));
        Counter.Add(FaultKind.OneWayPartition);
        LinksChanged?.Invoke();
    }

    /// <summary>Restores every link.</summary>
    public void Heal()
    {
        if (_cut.Count > 0)
        {
            _cut.Clear();
            Counter.Add(FaultKind.Heal);
            LinksChanged?.Invoke();
        }
    }

    private IEnumerable<SiteId> Route(SiteId from, Destination to, SendOptions flags)
    {
        if (to.IsBroadcast)
        {
            if ((flags & SendOptions.ReRequest) != 0 && _directory.BelievedMaster(from) is { IsNone: false } master && master != from)
            {
                return [master];
            }

            return _directory.Sites.Where(s => s != from);
        }

        if ((flags & SendOptions.Anywhere) != 0 && (flags & SendOptions.ReRequest) == 0 && _faults.AnywhereRedirectRate > 0
            && _random.NextDouble() < _faults.AnywhereRedirectRate)
        {
            var others = _directory.Sites.Where(s => s != from && s != to.Site && !_directory.IsMaster(s)).ToList();
            if (others.Count > 0)
            {
                Counter.Add(FaultKind.AnywhereRedirect);
                return [others[_random.Next(others.Count)]];
            }
        }

        return [to.Site];
    }

    private void Enqueue(long now, SiteId from, SiteId to, RepMessage message, SendOptions flags, List<InFlightMessage> queued)
    {
        if (to == from)
        {
            return;
        }

        if (_cut.Contains((from, to)))
        {
            Counter.Add(FaultKind.PartitionDrop);
            return;
        }

        if (_faults.DropRate > 0 && _random.NextDouble() < _faults.DropRate)
        {
            Counter.Add(FaultKind.Drop);
            return;
        }

        var copies = _faults.DuplicateRate > 0 && _random.NextDouble() < _faults.DuplicateRate ? 2 : 1;
        if (copies == 2)
        {
            Counter.Add(FaultKind.Duplicate);
        }

        for (var c = 0; c < copies; c++)
        {
            var link = (from, to);
            var inFlight = _perLink.GetValueOrDefault(link);
            if (inFlight >= MaxInFlightPerLink)
            {
                Counter.Add(FaultKind.Overflow);
                return;
            }

            long latency = _faults.MinLatency == _faults.MaxLatency ? _faults.MinLatency : _random.NextInt64(_faults.MinLatency, _faults.MaxLatency + 1);
            if (_faults.DelayRate > 0 && _random.NextDouble() < _faults.DelayRate)
            {
                latency = _random.NextInt64(_faults.MaxLatency, _faults.MaxDelay + 1);
                Counter.Add(FaultKind.Delay);
            }
            else if (_faults.ReorderRate > 0 && inFlight > 0 && _random.NextDouble() < _faults.ReorderRate)
            {
                // Overtake: due before the earliest message already on the link could be (it was sent at least now).
                latency = Math.Max(1, _faults.MinLatency / 2);
                Counter.Add(FaultKind.Reorder);
            }

            var due = now + latency;
            var m = new InFlightMessage(++_sequence, from, to, message, flags, now, due);
            _queue.Enqueue(m, (due, m.Sequence));
            _perLink[link] = inFlight + 1;
            queued.Add(m);
        }
    }

    /// <summary>Accounts for a message leaving the queue; false when its link is cut (it is lost).</summary>
    private bool TakeOff(InFlightMessage m)
    {
        DecrementLink(m.From, m.To);
        if (_cut.Contains((m.From, m.To)))
        {
            Counter.Add(FaultKind.PartitionDrop);
            return false;
        }

        Delivered++;
        return true;
    }

    private void DecrementLink(SiteId from, SiteId to)
    {
        var link = (from, to);
        var n = _perLink[link] - 1;
        if (n == 0)
        {
            _perLink.Remove(link);
        }
        else
        {
            _perLink[link] = n;
        }
    }
}
