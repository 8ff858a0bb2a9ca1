using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Network;
using OrleansRep.Simulation.Sites;
using System.Collections.Immutable;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Cluster;

/// <summary>
/// A group of <see cref="SimSite"/>s on a <see cref="SimNetwork"/>, in simulated time: the single-threaded event loop
/// that delivers messages, ticks clocks, finishes disk work and runs the driver's timers, in time order (ties: the
/// order things were scheduled). Every site step is recorded (<see cref="StepRecord"/>), carried out as a host would
/// (sends into the network, flushes and completions after a disk latency) and then shown to the invariant checkers and
/// observers. With <see cref="AutoDeliver"/> off (scenarios) messages wait until delivered by hand.
/// <para>
/// Host durability: a flush asked for by <see cref="FlushLog"/>, by a local commit, or by records appended that
/// include a PERM record (the engine applies a commit with a synchronous log flush) starts a group-commit flush that
/// completes after the disk latency and feeds <see cref="LogDurable"/> to the site.
/// </para>
/// </summary>
public sealed class SimCluster : ISiteDirectory
{
    /// <summary>Frames of simulated log files: the master starts a new file when the next transaction would not fit.</summary>
    public const uint DefaultFileBytes = 64 * 1024;

    private readonly SortedDictionary<SiteId, SimSite> _sites = [];
    private readonly List<SiteId> _ids;
    private readonly PriorityQueue<SimWork, (long Time, long Seq)> _work = new();
    private readonly List<IInvariantChecker> _checkers = [];
    private readonly List<ISiteView> _views;
    private readonly SiteConnections _connections;
    private long _workSeq;
    private long _nextProposal;

    public SimCluster(IEnumerable<SiteSetup> sites, Random networkRandom, NetworkFaults faults, FaultCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var setups = sites.ToList();
        if (setups.Count == 0 || setups.Select(s => s.Id).Distinct().Count() != setups.Count || setups.Any(s => s.Id.IsNone))
        {
            throw new ArgumentException("a cluster needs at least one site and distinct site ids", nameof(sites));
        }

        Faults = counter ?? new FaultCounter();
        var group = setups.Select(s => new SiteInfo(s.Id, $"sim:{s.Id.Value}", s.Options.Priority)).ToList();
        var membership = group.ToImmutableSortedDictionary(i => i.Id, i => i);
        foreach (var s in setups)
        {
            var provisioned = new RepPersistentState { Sites = membership };
            _sites.Add(s.Id, new SimSite(s.Id, s.Options, provisioned, new SimClock(s.ClockOffset, s.DriftPpm), s.TickInterval, s.DiskLatency));
        }

        _ids = [.. _sites.Keys];
        _views = [.. _sites.Values];
        Network = new SimNetwork(this, networkRandom, faults, Faults);
        _connections = new SiteConnections(_ids);
        Network.LinksChanged += UpdateConnections;

        foreach (var site in _sites.Values)
        {
            ScheduleTick(site);
        }
    }

    public SimNetwork Network { get; }

    public FaultCounter Faults { get; }

    /// <summary>Simulated time, microseconds.</summary>
    public long Now { get; private set; }

    /// <summary>Site steps so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Deliver messages when due (on), or only when <see cref="DeliverNext"/> is called (scenarios).</summary>
    public bool AutoDeliver { get; set; } = true;

    /// <summary>Messages due at a site that was down.</summary>
    public long LostToDownSites { get; private set; }

    public uint FileBytes { get; set; } = DefaultFileBytes;

    public IReadOnlyList<SiteId> Sites => _ids;

    public IReadOnlyList<ISiteView> Views => _views;

    public IEnumerable<SimSite> AllSites => _sites.Values;

    /// <summary>Called after each step is carried out and checked.</summary>
    public event Action<StepRecord>? Stepped;

    /// <summary>Called for what happens to the cluster outside steps (crash, restart, faults), with a one-line text.</summary>
    public event Action<long, string>? Noted;

    public SimSite this[SiteId id] => _sites.TryGetValue(id, out var s) ? s : throw new ArgumentException($"no {id} in the cluster", nameof(id));

    public SiteId BelievedMaster(SiteId site) => _sites.TryGetValue(site, out var s) && s.IsUp ? s.Master : SiteId.None;

    public bool IsMaster(SiteId site) => _sites.TryGetValue(site, out var s) && s.IsUp && s.Role == RepRole.Master;

    public void AddChecker(IInvariantChecker checker)
    {
        ArgumentNullException.ThrowIfNull(checker);
        _checkers.Add(checker);
    }

    /// <summary>Runs <paramref name="run"/> at simulated time <paramref name="at"/> (not before now).</summary>
    public void At(long at, Action run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Schedule(Math.Max(at, Now), new TimerDue(run));
    }

    /// <summary>Processes the next thing due at or before <paramref name="limit"/>; false (time moved to the limit)
    /// when nothing is.</summary>
    public bool RunNext(long limit)
    {
        var workDue = _work.TryPeek(out _, out var key) ? key.Time : long.MaxValue;
        var messageDue = AutoDeliver ? Network.NextDue ?? long.MaxValue : long.MaxValue;
        var next = Math.Min(workDue, messageDue);
        if (next > limit)
        {
            Now = Math.Max(Now, limit);
            return false;
        }

        Now = Math.Max(Now, next);
        if (messageDue <= workDue)
        {
            if (Network.TryTakeDue(Now, out var m))
            {
                Deliver(m);
            }

            return true;
        }

        var work = _work.Dequeue();
        switch (work)
        {
            case TickDue tick:
                OnTickDue(tick);
                break;
            case FlushDone flush:
                OnFlushDone(flush);
                break;
            case CompletionDue done:
                if (this[done.Site] is { IsUp: true } site && site.Incarnation == done.Incarnation)
                {
                    StepSite(site, new Completed(done.ActionId, true));
                }

                break;
            case TimerDue timer:
                timer.Run();
                break;
        }

        return true;
    }

    /// <summary>Runs everything due up to <paramref name="until"/>.</summary>
    public void RunUntil(long until)
    {
        while (RunNext(until))
        {
        }
    }

    /// <summary>Runs the work due now (not messages), then delivers the next message whatever its due time; false when
    /// nothing is in flight.</summary>
    public bool DeliverNext()
    {
        RunUntil(Now);
        if (!Network.TryTakeNext(out var m))
        {
            return false;
        }

        Deliver(m);
        RunUntil(Now);
        return true;
    }

    /// <summary>Steps <paramref name="site"/> with <paramref name="input"/>, carries out the actions, checks.</summary>
    public StepRecord StepSite(SimSite site, RepInput input)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(input);
        var egen = site.Egen;
        IReadOnlyList<RepAction> actions;
        try
        {
            actions = site.Step(input);
        }
        catch (Exception e) when (input is Command && e is CommandRefusedException or InvalidElectionException)
        {
            // A command the site cannot carry out now is refused and changes nothing, as an operator would see it.
            Note($"{site.Id} refused {e.Message}");
            actions = [];
        }

        var record = new StepRecord(++Steps, Now, site.Id, input, actions, egen);
        CarryOut(site, actions);
        foreach (var checker in _checkers)
        {
            checker.Check(record, _views);
        }

        Stepped?.Invoke(record);
        return record;
    }

    public StepRecord Command(SiteId id, RepCommand command) => StepSite(this[id], new Command(command));

    /// <summary>
    /// Starts replication on a site in <paramref name="role"/>, as its host does at boot: first a tick with the time
    /// on the site's clock (a machine knows the time only from ticks, and a new one would otherwise start its timers
    /// from 0), then <see cref="StartReplication"/>.
    /// </summary>
    public StepRecord Start(SiteId id, RepStartRole role)
    {
        var site = this[id];
        StepSite(site, new Tick(site.Clock.LocalAt(Now)));
        return Command(id, new StartReplication(role));
    }

    /// <summary>
    /// A transaction on <paramref name="id"/>: when it is master, its records (data records then a commit, sizes
    /// from <paramref name="lengths"/>) are appended to its log, in a new file if the current one is full, and proposed
    /// with <see cref="LocalCommit"/>; otherwise the proposal carries no records and the site answers who is master.
    /// Returns the proposal id.
    /// </summary>
    public long Propose(SiteId id, IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Count == 0)
        {
            throw new ArgumentException("a transaction has at least its commit record", nameof(lengths));
        }

        var site = this[id];
        var proposal = ++_nextProposal;
        if (site.Role != RepRole.Master)
        {
            StepSite(site, new LocalCommit(proposal, []));
            return proposal;
        }

        var kinds = lengths.Select((_, i) => i == lengths.Count - 1 ? RecordKind.Commit : RecordKind.Data).ToList();
        AppendLocal(site, proposal, lengths, kinds, proposal);
        return proposal;
    }

    /// <summary>On a master: writes a checkpoint record and ships it (a PERM record nobody waits for).</summary>
    public void Checkpoint(SiteId id, int length = 64)
    {
        var site = this[id];
        if (site.Role == RepRole.Master)
        {
            AppendLocal(site, ++_nextProposal, [length], [RecordKind.Checkpoint], proposalId: 0);
        }
    }

    /// <summary>On a master: moves its log to the next file (as when the current one fills).</summary>
    public void NewFile(SiteId id)
    {
        var site = this[id];
        if (site.Role == RepRole.Master)
        {
            StartNextFile(site);
        }
    }

    /// <summary>Appends records straight to a site's log without telling its node (a scenario's way to put undurable
    /// records on a disk).</summary>
    public IReadOnlyList<LogRecordView> AppendRaw(SiteId id, int count, int length = 48)
    {
        var site = this[id];
        var proposal = ++_nextProposal;
        return Enumerable.Range(0, count)
            .Select(i => site.Store.AppendLocal(RecordKind.Data, RecordContent.Frame(id, proposal, i, RecordKind.Data, length)))
            .ToList();
    }

    /// <summary>Starts a flush on a site (as the engine's background log writer would).</summary>
    public void Flush(SiteId id) => RequestFlush(this[id]);

    public void Crash(SiteId id)
    {
        var site = this[id];
        if (!site.IsUp)
        {
            return;
        }

        site.Crash();
        Faults.Add(FaultKind.Crash);
        Noted?.Invoke(Now, $"crash {id}");
        UpdateConnections();
    }

    /// <summary>Restarts a crashed site in <paramref name="role"/>.</summary>
    public void Restart(SiteId id, RepStartRole role)
    {
        var site = this[id];
        if (site.IsUp)
        {
            return;
        }

        site.Restart(Now);
        Faults.Add(FaultKind.Restart);
        Noted?.Invoke(Now, $"restart {id} {role.ToString().ToLowerInvariant()}");
        ScheduleTick(site);
        Start(id, role);
        UpdateConnections();
    }

    /// <summary>Whether the host of <paramref name="a"/> has a connection to <paramref name="b"/>: both are up and
    /// messages can flow both ways (neither direction of the link is cut).</summary>
    public bool IsConnected(SiteId a, SiteId b) => _connections.IsConnected(a, b);

    /// <summary>
    /// Recomputes the connections after a crash, a restart or a change of cut links and tells each site that is up
    /// about each of its connections that changed (<see cref="PeerConnected"/> / <see cref="PeerDisconnected"/>), as a
    /// Replication Manager host sees them (a crashed site is told nothing; its restarted node starts unconnected and is
    /// told of every peer it reaches). A connection is up when both sites are up and neither direction is cut. A peer
    /// that crashed is reported gone (its address refuses connections), one cut off only disconnected.
    /// </summary>
    public void UpdateConnections()
    {
        var changed = _connections.Update((a, b) => _sites[a].IsUp && _sites[b].IsUp && !Network.IsCut(a, b) && !Network.IsCut(b, a));
        foreach (var (a, b, up) in changed)
        {
            foreach (var (self, peer) in new[] { (a, b), (b, a) })
            {
                if (_sites[self].IsUp)
                {
                    StepSite(_sites[self], up ? new PeerConnected(peer) : new PeerDisconnected(peer, ProcessGone: !_sites[peer].IsUp));
                }
            }
        }
    }

    /// <summary>Makes a site's disk <paramref name="factor"/> times slower until <paramref name="until"/>.</summary>
    public void SlowDisk(SiteId id, int factor, long until)
    {
        var site = this[id];
        site.SlowFactor = Math.Max(1, factor);
        site.SlowUntil = until;
        Faults.Add(FaultKind.SlowDisk);
        Noted?.Invoke(Now, $"slow disk {id} x{factor} until {SimTime.Format(until)}");
    }

    public void Note(string text) => Noted?.Invoke(Now, text);

    private void AppendLocal(SimSite site, long contentId, IReadOnlyList<int> lengths, List<RecordKind> kinds, long proposalId)
    {
        var total = lengths.Sum();
        if (site.Store.LogEnd.Offset + total > FileBytes && site.Store.LogEnd != LogPositions.StartOfFile(site.Store.LogEnd.File))
        {
            StartNextFile(site);
        }

        var records = new List<LogRecordView>(lengths.Count);
        for (var i = 0; i < lengths.Count; i++)
        {
            records.Add(site.Store.AppendLocal(kinds[i], RecordContent.Frame(site.Id, contentId, i, kinds[i], lengths[i])));
        }

        StepSite(site, new LocalCommit(proposalId, records));
        if (site.IsUp)
        {
            RequestFlush(site);
        }
    }

    private void StartNextFile(SimSite site)
    {
        var end = site.Store.LogEnd;
        site.Store.Carry([new StartLogFile(end.File + 1)]);
        StepSite(site, new LocalNewFile(end));
    }

    private void Deliver(InFlightMessage m)
    {
        if (!_sites.TryGetValue(m.To, out var site) || !site.IsUp)
        {
            LostToDownSites++;
            return;
        }

        StepSite(site, new MessageReceived(m.Message, m.Flags));
    }

    private void CarryOut(SimSite site, IReadOnlyList<RepAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case Send send:
                    Network.Send(Now, site.Id, send.To, send.Message, send.Flags);
                    break;
                case FlushLog:
                    RequestFlush(site);
                    break;
                case AppendRecords append when append.Records.Any(r => r.IsPerm):
                    RequestFlush(site);
                    break;
                case Replication.Actions.Checkpoint checkpoint:
                    Complete(site, checkpoint.ActionId, 2 * site.CurrentDiskLatency(Now));
                    break;
                case PrepareSnapshot prepare:
                    site.Snapshots.Prepare(prepare.SnapshotId, site.Store);
                    Complete(site, prepare.ActionId, site.CurrentDiskLatency(Now));
                    break;
                case StoreSnapshotChunk chunk:
                    if (site.StoredChunks.Count >= 1 << 16)
                    {
                        site.StoredChunks.Clear();
                    }

                    site.StoredChunks[(chunk.SnapshotId, chunk.Index)] = chunk.Data;
                    Complete(site, chunk.ActionId, site.CurrentDiskLatency(Now));
                    break;
                case EmitEvent emit:
                    site.RecordEvent(Now, emit.Event);
                    break;
                case FinishInternalInit finish:
                    foreach (var key in site.StoredChunks.Keys.Where(k => k.Snapshot == finish.SnapshotId).ToList())
                    {
                        site.StoredChunks.Remove(key);
                    }

                    break;
            }
        }
    }

    private void Complete(SimSite site, long actionId, long after) => Schedule(Now + after, new CompletionDue(site.Id, site.Incarnation, actionId));

    private void RequestFlush(SimSite site)
    {
        if (site.IsUp && site.RequestFlush())
        {
            Schedule(Now + site.CurrentDiskLatency(Now), new FlushDone(site.Id, site.Incarnation));
        }
    }

    private void OnFlushDone(FlushDone flush)
    {
        var site = this[flush.Site];
        if (!site.IsUp || site.Incarnation != flush.Incarnation)
        {
            return;
        }

        var again = site.FinishFlush();
        StepSite(site, new LogDurable(site.Store.Durable));
        if (again && site.IsUp && site.Incarnation == flush.Incarnation)
        {
            Schedule(Now + site.CurrentDiskLatency(Now), new FlushDone(site.Id, site.Incarnation));
        }
    }

    private void OnTickDue(TickDue due)
    {
        var site = this[due.Site];
        if (!site.IsUp || site.Incarnation != due.Incarnation)
        {
            return;
        }

        StepSite(site, site.TakeTick());
        if (site.IsUp && site.Incarnation == due.Incarnation)
        {
            ScheduleTick(site);
        }
    }

    private void ScheduleTick(SimSite site) => Schedule(Math.Max(Now, site.NextTickAt), new TickDue(site.Id, site.Incarnation));

    private void Schedule(long at, SimWork work) => _work.Enqueue(work, (at, ++_workSeq));
}
