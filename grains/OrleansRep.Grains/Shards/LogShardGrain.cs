using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// One shard's replica on one site: opens the replica's engine (<see cref="EngineReplicaStore"/>), runs its
/// <see cref="ReplicationNode"/> and carries out its actions. Storage actions go to the store in order before anything
/// else of the step; sends go to the peer's replica through a <see cref="PeerLink"/> (<c>Deliver</c>, batched, in order);
/// ticks come from a grain timer on the silo's <see cref="TimeProvider"/>; replies to proposals complete the waiting
/// writes; events go to the site's <see cref="SiteEventLog"/>. Log records travel in <c>Deliver</c> calls rather than on a
/// stream: the machine needs acks, gap requests and votes on the same path anyway, and a call tells the sender at once
/// when its peer is gone (a fast election), where a stream would need its own failure signal.
/// <para>[Reentrant]: a write waits for its acknowledgements while the acks themselves arrive as <c>Deliver</c> calls.
/// Every step still runs to completion between awaits (one scheduler), so the machine sees one input at a time.</para>
/// </summary>
[Reentrant]
internal sealed partial class LogShardGrain(SiteStorageOptions options, LocalSiloDetails silo, TimeProvider time, SiteEventLog events, ISiteRegistry registry, ILoggerFactory loggers)
    : Grain, ILogShardGrain
{
    private readonly ILogger _log = loggers.CreateLogger<LogShardGrain>();
    private readonly ShardMap _map = new(options.Shards);
    private readonly Dictionary<long, TaskCompletionSource<ProposalOutcome>> _proposals = [];
    private ShardPeers _links = null!; // set at activation, with the site (ShardPeers keeps them equal to the membership)
    private int _shard;
    private int _site;
    private Exception? _unusable;
    private EngineReplicaStore? _store;
    private ReplicationNode? _node;
    private long _started;
    private long _nextProposal;
    private long _lastFromMaster = -1;
    private long _noMasterSince;
    private long _lastProbe;
    private bool _flushWanted;
    private bool _flushing;
    private long _commits;
    private long _permFailed;
    private long _acksReceived;
    private long _recordsApplied;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ReplicationNode Node => _node ?? throw _unusable!;

    private EngineReplicaStore Store => _store ?? throw _unusable!;

    private long Now => time.GetElapsedTime(_started).Ticks / TimeSpan.TicksPerMicrosecond;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _started = time.GetTimestamp();
        try
        {
            (_shard, _site) = GrainKeys.ParseShardKey(GrainId.Key);
            _links = new ShardPeers(new SiteId(_site), registry, OpenLink);
            _map.CheckShard(_shard);
            var local = options.SiteId ?? silo.SiteId ?? 0;
            if (_site != local || !options.Sites.ContainsKey(_site))
            {
                throw new UnknownShardException($"site {_site} is not served here (this silo is site {local}; the group is {string.Join(", ", options.Sites.Keys)})");
            }
        }
        catch (Exception e) when (e is FormatException or UnknownShardException)
        {
            // Kept rather than thrown: an activation that throws fails every call with a generic error; this way each
            // call gets the typed one, and nothing is opened.
            _unusable = e as UnknownShardException ?? new UnknownShardException(e.Message, e);
            return Task.CompletedTask;
        }

        Open();
        RegisterGrainTimer(_ => OnTick(), options.TickInterval, options.TickInterval);
        if (options.LogArchiveInterval > TimeSpan.Zero)
        {
            RegisterGrainTimer(_ => ArchiveLog(), options.LogArchiveInterval, options.LogArchiveInterval);
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _links?.CompleteAll();
        foreach (var waiting in _proposals.Values)
        {
            waiting.TrySetException(new ShardUnavailableException($"shard {_shard} on site {_site} is shutting down"));
        }

        _store?.Dispose();
        _store = null;
        _node = null;
        _unusable ??= new ShardUnavailableException($"shard {_shard} on site {_site} is shutting down");
        return Task.CompletedTask;
    }

    private void Open()
    {
        var home = Path.Combine(options.DataRoot, $"site-{_site}", $"shard-{_shard}");
        Directory.CreateDirectory(Path.GetDirectoryName(home)!);
        _store = EngineReplicaStore.Open(home, time: time);
        ServiceProvider.GetService<Backup.ReplicaEnvironments>()?.Register(_shard, () => _store?.Environment); // for site backups
        var fresh = _store.State.Sites.IsEmpty;
        if (fresh)
        {
            // A new replica learns the group from the options, and writes the genesis transaction every site of a new
            // group writes alike (same bytes at the same LSN): clients then hold a commit to verify from without an
            // internal init (which brings in a site that joins later, or whose log its master archived).
            // Genesis first: a crash before the state is written leaves a replica that is still "fresh" and whose
            // genesis database exists already, so nothing is written twice.
            _store.Environment.OpenDatabase(ShardData.Database, create: true);
            _store.Environment.Flush();
            _store.Carry([new PersistState(InitialState())]);
        }

        var replication = options.Replication with { Priority = options.Sites[_site] };
        _node = new ReplicationNode(new SiteId(_site), replication, _store, _store.Snapshots, _store.State);
        ShardLog.Opened(_log, _shard, _site, _store.LogEnd.ToString(), _store.State.Role, _store.State.Gen);
        if (RetireIfRemoved())
        {
            return;
        }

        _links.AddMissing(_store.State.Sites.Values, RegistrationFailed);

        // A replica that has been in an established group rejoins as a client and asks for the master; a new group
        // elects its first master. (An election called by a rejoining site would make the others' votes end the
        // current master's generation.)
        _noMasterSince = Now;
        Run(new Command(new StartReplication(_store.State.GroupEstablished || Joining ? RepStartRole.Client : RepStartRole.Election)));
        foreach (var peer in _links.Keys)
        {
            Run(new PeerConnected(peer));
        }

        FlushIfWanted();
    }

    /// <summary>Removes log files recovery no longer needs (Berkeley DB's DB_LOG_AUTO_REMOVE), except, on a master, those
    /// a lagging client still needs (within <see cref="SiteStorageOptions.LogRetentionForLaggingClients"/>); a client
    /// that needed a removed file is brought back by internal init.</summary>
    private Task ArchiveLog()
    {
        try
        {
            if (_store is { } store && _node is not null)
            {
                var keep = KeepForClients();
                var archived = store.ArchiveLog(keep);
                ArchivedForClients(keep, archived.KeptForClients.Count);
                ShardLog.Archived(_log, _shard, _site, archived.Removed.Count);
            }
        }
        catch (StorageException e)
        {
            // The checkpoint failed: the environment now refuses writes, and the next flush reopens the replica.
            ShardLog.StorageFailed(_log, _shard, _site, e);
        }

        return Task.CompletedTask;
    }

    // ---- the machine -------------------------------------------------------------------------------------------

    private void Run(RepInput input)
    {
        var sitesBefore = Node.State.Sites;
        var actions = Node.Step(input);
        if (actions.Any(a => a is FlushLog))
        {
            // Flushes are carried out off the turn (FlushIfWanted): the step's other actions do not depend on one.
            _flushWanted = true;
            actions = [.. actions.Where(a => a is not FlushLog)];
        }

        var outcome = Store.Carry(actions);
        var rollback = outcome.RolledBack.Count == 0 ? null : RecordRollback(outcome.RolledBack, actions.OfType<TruncateLog>().Last().To);

        // A new member's link is there before the step's sends (the new list is broadcast to it too); a removed one's
        // link completes after them (it is told of its removal).
        var joined = ReferenceEquals(sitesBefore, Node.State.Sites) ? [] : _links.AddMissing(Node.State.Sites.Values, RegistrationFailed);
        foreach (var action in actions)
        {
            switch (action)
            {
                case Send send when send.To.IsBroadcast:
                    foreach (var link in _links.Values)
                    {
                        link.Enqueue(send.Message, send.Flags);
                    }

                    break;
                case Send send:
                    if (_links.TryGetValue(RouteOf(send), out var to))
                    {
                        to.Enqueue(send.Message, send.Flags);
                    }

                    break;
                case AppendRecords append:
                    _recordsApplied += append.Records.Count;
                    _flushWanted |= append.Records.Any(r => r.IsPerm);
                    break;
                case ReplyProposal reply:
                    _commits += reply.Outcome is Committed ? 1 : 0;
                    _permFailed += reply.Outcome is AckPolicyNotMet ? 1 : 0;
                    if (_proposals.Remove(reply.ProposalId, out var waiting))
                    {
                        waiting.TrySetResult(reply.Outcome);
                    }

                    break;
                case EmitEvent emit:
                    ShardLog.Event(_log, _shard, _site, emit.Event);
                    events.Add(new SiteEvent(time.GetUtcNow(), _site, _shard, emit.Event.Kind, emit.Event.Gen, emit.Event.Site.Value, emit.Event.Lsn.ToUInt64())
                    {
                        Detail = emit.Event.Kind == RepEventKind.RolledBack ? rollback : null,
                    });
                    break;
            }
        }

        if (!ReferenceEquals(sitesBefore, Node.State.Sites) && !AfterMembershipChanged(joined))
        {
            return; // this site was removed: it takes no part any more
        }

        foreach (var completed in outcome.Completions)
        {
            Run(completed);
        }

        foreach (var pending in outcome.Pending)
        {
            _ = CompleteWhenDoneAsync(Store, pending);
        }

        // Wake reads waiting for a commit to arrive.
        var progress = _progress;
        _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
        progress.TrySetResult();
    }

    /// <summary>
    /// Group commit, pipelined: one flush at a time, on the engine's flusher thread, for everything appended before it
    /// started; the replica goes on taking writes and deliveries meanwhile, and what they append waits for the next
    /// flush, which starts as soon as this one is done. The durable point is fed back to the machine on this
    /// activation's turn (acks from clients, commits on the master).
    /// </summary>
    private void FlushIfWanted()
    {
        if (_flushWanted && !_flushing && _node is not null)
        {
            _flushWanted = false;
            _flushing = true;
            _ = FlushAsync(Store);
        }
    }

    private async Task FlushAsync(EngineReplicaStore store)
    {
        Lsn durable;
        try
        {
            durable = await store.FlushAsync().ConfigureAwait(true);
        }
#pragma warning disable CA1031 // A failed write or fsync leaves the engine refusing everything: reopen it (recovery).
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!ReferenceEquals(store, _store))
            {
                return; // closed meanwhile (deactivation)
            }

            ShardLog.StorageFailed(_log, _shard, _site, e);
            _unusable = new ShardUnavailableException($"shard {_shard} on site {_site} failed to write its log; it reopens", e);
            _node = null;
            DeactivateOnIdle();
            return;
        }
        finally
        {
            _flushing = false;
        }

        if (_node is not null && ReferenceEquals(store, _store))
        {
            Run(new LogDurable(durable));
            FlushIfWanted();
        }
    }

    /// <summary>Feeds an action's completion back on this activation's turn once it finishes off the turn (unless
    /// the replica closed or reopened meanwhile).</summary>
    private async Task CompleteWhenDoneAsync(EngineReplicaStore store, Task<Completed> pending)
    {
        var completed = await pending.ConfigureAwait(true);
        if (_node is not null && ReferenceEquals(store, _store))
        {
            Run(completed);
            FlushIfWanted();
        }
    }

    private Task OnTick()
    {
        if (_node is null)
        {
            return Task.CompletedTask;
        }

        Run(new Tick(Now));
        FlushIfWanted();
        if (_node is null)
        {
            return Task.CompletedTask;
        }

        ObserveClients();

        if (Node.Role == RepRole.Client && _links.TryGetValue(Node.Master, out var toMaster) && Now - _lastProbe >= options.MasterProbeInterval.Ticks / TimeSpan.TicksPerMicrosecond)
        {
            _lastProbe = Now;
            toMaster.Probe();
        }

        foreach (var link in _links.Values.Where(l => l.Dropped > l.DroppedReported))
        {
            ShardLog.Dropped(_log, _shard, _site, link.Peer.Value, link.Dropped - link.DroppedReported);
            link.DroppedReported = link.Dropped;
        }

        if (Node.Role == RepRole.Client && Node.Master.IsNone)
        {
            // Nobody answered for a while (every site restarted as a client, or the election that would have found a
            // master failed): call one.
            if (Now - _noMasterSince > 2 * options.Replication.ElectionRetry.Ticks / TimeSpan.TicksPerMicrosecond && !Joining)
            {
                _noMasterSince = Now;
                Run(new Command(new CallElection()));
                FlushIfWanted();
            }
        }
        else
        {
            _noMasterSince = Now;
        }

        AskForGroupIfJoining();
        return Task.CompletedTask;
    }

    private void OnPeerChanged(SiteId peer, bool up, bool gone)
    {
        if (_node is null)
        {
            return;
        }

        ShardLog.Peer(_log, _shard, _site, peer.Value, up ? "reachable" : gone ? "gone (connection refused)" : "unreachable");
        Run(up ? new PeerConnected(peer) : new PeerDisconnected(peer, gone));
        FlushIfWanted();
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    public Task<byte[]> Put(byte[] key, byte[] value, AckPolicy durability) => Write([new BatchOperation(key, value)], durability);

    public Task<byte[]> Delete(byte[] key, AckPolicy durability) => Write([new BatchOperation(key, null)], durability);

    public Task<byte[]> Batch(byte[] operations, AckPolicy durability)
    {
        IReadOnlyList<BatchOperation> decoded;
        try
        {
            decoded = KeyValueCodec.DecodeBatch(operations);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"the batch does not decode: {e.Message}", nameof(operations), e);
        }

        return Write(decoded, durability);
    }

    private async Task<byte[]> Write(IReadOnlyList<BatchOperation> operations, AckPolicy durability)
    {
        var node = Node;
        if (!Enum.IsDefined(durability))
        {
            throw new ArgumentOutOfRangeException(nameof(durability), durability, "not an ack policy");
        }

        if (node.Role != RepRole.Master)
        {
            throw node.Master.IsNone && node.Role != RepRole.None
                ? new ShardUnavailableException($"shard {_shard} has no master now (election under way); retry shortly")
                : new NotMasterException(_shard, _site, node.Master.Value);
        }

        if (node.LockedOut)
        {
            throw new ShardUnavailableException($"shard {_shard} on site {_site} is locked out (role change under way)");
        }

        RefuseWritesDuringHandover();
        ShardData.Check(operations, Store.Environment.Options, _map, _shard);
        var end = Store.LogEnd;
        var records = ShardData.Apply(Store.Environment, operations).Select(r => EngineReplicaStore.View(r)!).ToList();
        if (records[0].Lsn.File > end.File)
        {
            Run(new LocalNewFile(end));
        }

        var id = ++_nextProposal;
        var reply = new TaskCompletionSource<ProposalOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _proposals[id] = reply;
        Run(new LocalCommit(id, records, durability));

        // Let the other writes of this moment commit too, then make them all durable with one flush.
        _flushWanted = true;
        await Task.Yield();
        FlushIfWanted();
        var outcome = await reply.Task;
        return outcome switch
        {
            Committed c => TokenBytes(c.Token),
            AckPolicyNotMet n => throw new DurabilityNotMetException(n.Token, n.Acks, n.Needed),
            NotMaster m => throw new NotMasterException(_shard, _site, m.Master.Value),
            LockedOut => throw new ShardLockedOutException($"shard {_shard} on site {_site} is locked out (role change under way) and the site runs with --nowait; retry shortly"),
            _ => throw new ShardUnavailableException($"shard {_shard} on site {_site} is locked out (role change under way)"),
        };
    }

    private static byte[] TokenBytes(CommitToken token)
    {
        var bytes = new byte[CommitToken.Size];
        token.WriteTo(bytes);
        return bytes;
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    public async Task<byte[]?> Read(byte[] key, ReadConsistency consistency, long maxStalenessMs, byte[]? token)
    {
        ShardData.CheckShard(key, _map, _shard);
        await Readable(consistency, maxStalenessMs, token);
        return ShardData.Get(Store.Environment, key);
    }

    public async Task<byte[]> Scan(byte[] startKey, byte[] endKey, byte[] prefix, int limit, ReadConsistency consistency, long maxStalenessMs, byte[]? token)
    {
        await Readable(consistency, maxStalenessMs, token);
        return KeyValueCodec.EncodePage(ShardData.Scan(Store.Environment, startKey, endKey, prefix, Math.Clamp(limit, 1, options.MaxScanPage)));
    }

    private async Task Readable(ReadConsistency consistency, long maxStalenessMs, byte[]? token)
    {
        var node = Node;
        RefuseReadWhileLockedOut();
        if (Store.Environment.InitPending)
        {
            // Mid internal init the data is partial (the log end already says the init's first LSN): serve nothing.
            throw new ShardUnavailableException($"shard {_shard} on site {_site} is being initialised from its master; retry shortly");
        }

        switch (consistency)
        {
            case ReadConsistency.Linearizable:
                if (node.Role != RepRole.Master)
                {
                    throw new NotMasterException(_shard, _site, node.Master.Value);
                }

                if (options.Replication.Leases && !node.HoldsLease)
                {
                    throw new ShardUnavailableException($"shard {_shard}'s master on site {_site} holds no lease now; retry shortly");
                }

                return;
            case ReadConsistency.AnyReplica:
                var lag = LagMs();
                if (node.Role == RepRole.None || (maxStalenessMs > 0 && (lag < 0 || lag > maxStalenessMs)))
                {
                    throw new ShardUnavailableException($"shard {_shard} on site {_site} last heard from its master {lag} ms ago; the read allows {maxStalenessMs} ms");
                }

                return;
            case ReadConsistency.AtLeast:
                var wanted = CommitToken.ReadFrom(token ?? throw new ArgumentNullException(nameof(token), "an AtLeast read needs a commit token"));
                var deadline = time.GetTimestamp();
                while (true)
                {
                    switch (Node.CheckApplied(wanted))
                    {
                        case TokenStatus.Applied:
                            return;
                        case TokenStatus.Lost:
                            throw new CommitTokenLostException($"the commit {wanted} was lost in a master change; it will never be applied");
                    }

                    RefuseWaitWhileSyncing(wanted);
                    var left = options.ReadWaitTimeout - time.GetElapsedTime(deadline);
                    if (left <= TimeSpan.Zero)
                    {
                        throw new ShardUnavailableException($"shard {_shard} on site {_site} has not applied {wanted} within {options.ReadWaitTimeout}");
                    }

                    try
                    {
                        await _progress.Task.WaitAsync(left, time);
                    }
                    catch (TimeoutException)
                    {
                        // Checked once more above, then refused.
                    }
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(consistency), consistency, "not a read consistency");
        }
    }

    private long LagMs() =>
        StatusNode.Role == RepRole.Master ? 0 : _lastFromMaster < 0 ? -1 : (Now - _lastFromMaster) / 1000;

    // ---- site to site, status, elections -----------------------------------------------------------------------

    public Task Deliver(int fromSite, byte[] messages)
    {
        var node = Node;
        if (_links.HasDeparted(new SiteId(fromSite)))
        {
            // A removed site that has not heard yet: taken and dropped, so its link stays up (a refusal would make it
            // forget its master, and then drop the list that tells it of its removal).
            return Task.CompletedTask;
        }

        List<(Replication.Messages.RepMessage Message, SendOptions Flags)> batch;
        try
        {
            batch = RepMessageCodec.ReadBatch(messages);
            if (!_links.ContainsKey(new SiteId(fromSite)) || batch.Any(m => m.Message.From.Value != fromSite))
            {
                throw new FormatException($"site {fromSite} is not a peer of this group, or sent messages in another site's name");
            }
        }
        catch (FormatException e)
        {
            ShardLog.BadDelivery(_log, _shard, _site, fromSite, e.Message);
            throw;
        }

        foreach (var (message, flags) in batch)
        {
            _acksReceived += message.Type == Replication.Messages.RepMessageType.Ack ? 1 : 0;
            Run(new MessageReceived(message, flags));
            if (message.From == node.Master)
            {
                _lastFromMaster = Now;
            }
        }

        FlushIfWanted();
        return Task.CompletedTask;
    }

    public Task<ReplicaStatus> GetStatus()
    {
        var node = StatusNode;
        var recent = events.Snapshot(_shard).TakeLast(10).Select(e => $"{e.Time:O} {e.Kind} gen {e.Gen}").ToList();
        var log = Store.Environment.GetStats(walkTrees: false);
        var counters = new ReplicaCounters(_commits, _permFailed, _acksReceived, _recordsApplied, node.DuplicateRecords, node.RequestsServed, _links.Values.Sum(l => l.Dropped), log.LogBytesWritten, log.FsyncCount, log.FsyncP50Us, log.FsyncP99Us, log.FsyncMaxUs);
        return Task.FromResult(new ReplicaStatus(_shard, _site, node.Role, node.Gen, node.State.Egen, node.Master.Value, Store.LogEnd.ToUInt64(), LagMs(), node.HoldsLease, recent) { Counters = counters, Members = MembersOf(node), MembershipVersion = node.State.MembershipVersion, Removed = _retired is not null, LastRollback = _lastRollback, LogRetainedFrom = _logRetainedFrom.ToUInt64(), LogFilesKeptForClients = _logFilesKeptForClients, ClientsBehind = ClientsBehind(node) });
    }

    public Task CallElection()
    {
        if (Node.Role != RepRole.Master)
        {
            Run(new Command(new CallElection()));
            FlushIfWanted();
        }

        return Task.CompletedTask;
    }
}
