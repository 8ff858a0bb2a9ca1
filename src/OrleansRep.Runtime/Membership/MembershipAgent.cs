using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// A silo's membership service. It joins through a seed, probes its ring successors on the injected
/// <see cref="TimeProvider"/>, votes peers dead after missed probes, pushes every view change to all peers at once and
/// exchanges views with a random peer every <see cref="MembershipOptions.GossipPeriod"/>, and raises
/// <see cref="MembershipChanged"/>. It serves membership requests as the <see cref="IFrameHandler"/> of the silo's
/// <see cref="TransportServer"/> and calls peers through <see cref="TransportClient"/>s (with the cluster secret and
/// TLS settings of the given client options). The decisions live in <see cref="MembershipState"/>; this class does I/O.
/// </summary>
public sealed class MembershipAgent : IFrameHandler, IAsyncDisposable
{
    private readonly MembershipOptions _options;
    private readonly TransportClientOptions _clientOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _eventGate = new();
    private readonly PeerConnections _peers;
    private readonly TrackedWork _work = new();
    private readonly HashSet<SiloAddress> _probing = [];
    // A peer with an exchange in flight; the value says the view changed meanwhile and the exchange must run again.
    private readonly Dictionary<SiloAddress, bool> _pushing = [];
    private readonly HashSet<EndPoint> _reaching = [];
    private List<EndPoint> _seeds = [];
    private readonly CancellationTokenSource _stopping = new();
    private MembershipState? _state;
    private ITimer? _probeTimer;
    private ITimer? _gossipTimer;
    private bool _disposed;
    private MembershipView _published = MembershipView.Empty;
    private long _publishedVersion = -1;

    /// <summary>
    /// Creates a stopped agent. <paramref name="clientOptions"/> is how it connects to peers: the cluster secret, TLS
    /// pinning and limits; it must claim <see cref="ClientRoles.Admin"/>, the role membership requests require.
    /// </summary>
    public MembershipAgent(
        MembershipOptions options, TransportClientOptions clientOptions, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientOptions);
        options.Validate();
        clientOptions.Validate();
        if ((clientOptions.Roles & ClientRoles.Admin) == 0)
        {
            throw new ArgumentException("a silo's client options must claim the Admin role to take part in membership", nameof(clientOptions));
        }

        _options = options;
        _clientOptions = clientOptions;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MembershipAgent>();
        _peers = new PeerConnections(clientOptions, _time);
    }

    /// <summary>Raised after the silos or their statuses change, in version order, with the new view. Handlers should be quick.</summary>
    public event EventHandler<MembershipChangedEventArgs>? MembershipChanged;

    /// <summary>This silo, once started.</summary>
    public SiloAddress? Self
    {
        get
        {
            lock (_gate)
            {
                return _state?.Self;
            }
        }
    }

    /// <summary>The current view (empty before <see cref="StartAsync"/>).</summary>
    public MembershipView View
    {
        get
        {
            lock (_gate)
            {
                return _state?.View ?? MembershipView.Empty;
            }
        }
    }

    /// <summary>This silo's own status: Joining until admitted, Active, or Dead once the cluster declared it dead.</summary>
    public SiloStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _state?.SelfStatus ?? SiloStatus.Joining;
            }
        }
    }

    /// <summary>
    /// Joins the cluster as <paramref name="self"/> (the address its transport server listens on). Asks each seed
    /// other than itself in turn to admit it; if none answers and it is itself a seed (or there are none) it starts a
    /// new cluster. Then it starts probing and gossiping. Throws <see cref="SiloDeclaredDeadException"/> if the cluster
    /// has declared this incarnation dead and <see cref="MembershipJoinException"/> if no seed admitted it.
    /// </summary>
    public async Task StartAsync(SiloAddress self, IEnumerable<EndPoint> seeds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(seeds);
        List<EndPoint> seedList = [.. seeds];
        lock (_gate)
        {
            _seeds = seedList;
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state is not null)
            {
                throw new InvalidOperationException("the agent has already been started");
            }

            _state = new MembershipState(self, _options);
        }

        EndPoint selfEndPoint = self.EndPoint;
        bool mayBootstrap = seedList.Count == 0 || seedList.Contains(selfEndPoint);
        Exception? lastFailure = null;
        bool joined = false;
        foreach (EndPoint seed in seedList.Where(s => !s.Equals(selfEndPoint)))
        {
            await using var connection = new PeerConnection(seed, _clientOptions, _time);
            try
            {
                byte[] answer = await connection.CallAsync(MembershipCodec.Encode(MembershipMessage.Join(self)), _options.CallTimeout, cancellationToken).ConfigureAwait(false);
                MembershipMessage reply = MembershipCodec.Decode(answer, _options.MaxSilos);
                if (reply.Kind == MembershipMessageKind.DeclaredDead && reply.Silo == self)
                {
                    MarkSelfDead();
                    throw new SiloDeclaredDeadException(self);
                }

                MembershipView view = reply.View ?? throw new MembershipMessageFormatException($"a seed answered a join with {reply.Kind}");
                MembershipView joinedView;
                lock (_gate)
                {
                    _state.Merge(view);
                    joinedView = _state.View;
                }

                MembershipLog.Joined(_logger, self, seed, joinedView);
                joined = true;
                break;
            }
            catch (Exception e) when (e is not SiloDeclaredDeadException && !cancellationToken.IsCancellationRequested)
            {
                lastFailure = e;
                MembershipLog.SeedUnreachable(_logger, seed, self, e);
            }
        }

        if (!joined)
        {
            if (!mayBootstrap)
            {
                throw new MembershipJoinException($"no seed admitted {self} ({seedList.Count} tried)", lastFailure ?? new InvalidOperationException("no seeds"));
            }

            lock (_gate)
            {
                _state.BecomeActive();
            }

            MembershipLog.Bootstrapped(_logger, self);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _probeTimer = _time.CreateTimer(_ => OnProbeTick(), null, _options.ProbePeriod, _options.ProbePeriod);
            _gossipTimer = _time.CreateTimer(_ => OnGossipTick(), null, _options.GossipPeriod, _options.GossipPeriod);
        }

        OnViewChanged();
    }

    /// <summary>Serves one membership request from a peer (the transport calls this). Malformed or unauthorized requests throw, which the caller receives as an error.</summary>
    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(
        FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.HasRoles(ClientRoles.Admin))
        {
            MembershipLog.Rejected(_logger, Self, caller.ClientId, "the caller lacks the Admin role");
            throw new UnauthorizedAccessException($"{caller.ClientId} may not take part in membership (it lacks the Admin role)");
        }

        MembershipMessage request;
        try
        {
            request = kind == FrameKind.Request
                ? MembershipCodec.Decode(payload.Span, _options.MaxSilos)
                : throw new MembershipMessageFormatException($"membership messages are requests, not {kind}");
        }
        catch (MembershipMessageFormatException e)
        {
            MembershipLog.Rejected(_logger, Self, caller.ClientId, e.Message);
            throw;
        }

        MembershipMessage reply;
        bool changed = false;
        lock (_gate)
        {
            MembershipState state = _state ?? throw new InvalidOperationException("the membership agent has not started");
            if (state.SelfStatus == SiloStatus.Dead)
            {
                // A dead silo answers nothing: its probers must keep counting misses.
                throw new SiloDeclaredDeadException(state.Self);
            }

            SiloAddress sender = request.Silo!;
            if (request.Kind is MembershipMessageKind.Join or MembershipMessageKind.Probe or MembershipMessageKind.Gossip && state.View.IsDead(sender))
            {
                reply = MembershipMessage.DeclaredDead(sender);
            }
            else
            {
                switch (request.Kind)
                {
                    case MembershipMessageKind.Join:
                        changed = state.Admit(sender);
                        reply = MembershipMessage.ViewResponse(state.View);
                        break;
                    case MembershipMessageKind.Probe:
                        reply = MembershipMessage.ProbeAck(state.Self, state.View.Version);
                        break;
                    case MembershipMessageKind.Gossip:
                        changed = state.Merge(request.View!);
                        reply = MembershipMessage.ViewResponse(state.View);
                        break;
                    default:
                        MembershipLog.Rejected(_logger, state.Self, caller.ClientId, $"{request.Kind} is not a request");
                        throw new MembershipMessageFormatException($"{request.Kind} is a response, not a request");
                }
            }
        }

        if (changed)
        {
            OnViewChanged();
        }

        return ValueTask.FromResult<ReadOnlyMemory<byte>>(MembershipCodec.Encode(reply));
    }

    /// <summary>
    /// Leaves the cluster gracefully, as Orleans' shutdown does: declares this incarnation dead in its own view and
    /// pushes that view to every live peer at once, waiting at most <see cref="MembershipOptions.ProbeTimeout"/> for
    /// their answers, then stops as <see cref="DisposeAsync"/> does. Peers stop placing grains here at once instead of
    /// after missed probes; one that missed the goodbye learns it by gossip or detects the absence.
    /// </summary>
    public async Task LeaveAsync()
    {
        List<SiloAddress> peers;
        byte[] goodbye;
        lock (_gate)
        {
            if (_disposed || _state is not { SelfStatus: SiloStatus.Active } state)
            {
                peers = [];
                goodbye = [];
            }
            else
            {
                peers = LivePeers(state);
                state.DeclareSelfDead();
                goodbye = MembershipCodec.Encode(MembershipMessage.Gossip(state.Self, state.View));
                MembershipLog.Leaving(_logger, state.Self, peers.Count);
            }
        }

        if (peers.Count > 0)
        {
            Publish();
            await Task.WhenAll(peers.Select(peer => SayGoodbyeAsync(peer, goodbye))).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops probing and gossiping and closes peer connections, without telling anyone: peers detect the absence.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Task idle = _work.StopAsync();
        if (_probeTimer is not null)
        {
            await _probeTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_gossipTimer is not null)
        {
            await _gossipTimer.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await idle.ConfigureAwait(false);
        await _peers.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task SayGoodbyeAsync(SiloAddress peer, byte[] goodbye)
    {
        try
        {
            await _peers.For(peer).CallAsync(goodbye, _options.ProbeTimeout, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A peer that missed the goodbye learns it from gossip or its probes.
        catch (Exception e)
#pragma warning restore CA1031
        {
            MembershipLog.GossipFailed(_logger, _state!.Self, peer, e);
        }
    }

    private static List<SiloAddress> LivePeers(MembershipState state) =>
        [.. state.View.Entries.Where(e => e.Status != SiloStatus.Dead && e.Silo != state.Self).Select(e => e.Silo)];

    private void OnProbeTick()
    {
        List<SiloAddress> start = [];
        List<PeerConnection> stale;
        lock (_gate)
        {
            if (_disposed || _state is not { SelfStatus: SiloStatus.Active } state)
            {
                return;
            }

            foreach (SiloAddress target in state.ProbeTargets())
            {
                if (_probing.Add(target))
                {
                    start.Add(target);
                }
            }

            stale = _peers.RemoveGone(state.View);
        }

        foreach (SiloAddress target in start)
        {
            _work.Run(() => ProbeAsync(target));
        }

        foreach (PeerConnection connection in stale)
        {
            _work.Run(() => connection.DisposeAsync().AsTask());
        }
    }

    private void OnGossipTick()
    {
        SiloAddress? peer;
        lock (_gate)
        {
            if (_disposed || _state is not { SelfStatus: SiloStatus.Active } state)
            {
                return;
            }

            List<SiloAddress> others = LivePeers(state);
            peer = others.Count == 0 ? null : others[Random.Shared.Next(others.Count)];
        }

        if (peer is not null)
        {
            ExchangeWith(peer);
        }

        ReachOrphanSeed();
    }

    /// <summary>
    /// Gossips once with a seed that has no live silo in this view. Views can split: a silo that restarted while the
    /// others had each other marked dead may join through one of them and be unknown to, or dead for, another, and
    /// two silos that hold each other dead never talk again. A seed is where a live silo should be, so it is asked
    /// every gossip round until it answers with a view (merged here, and ours there) or this silo learns it is dead.
    /// </summary>
    private void ReachOrphanSeed()
    {
        EndPoint? seed;
        MembershipState state;
        lock (_gate)
        {
            state = _state!;
            HashSet<EndPoint> live = [.. state.View.Entries.Where(e => e.Status != SiloStatus.Dead).Select(e => e.Silo.EndPoint)];
            List<EndPoint> orphans = [.. _seeds.Where(s => !s.Equals(state.Self.EndPoint) && !live.Contains(s) && !_reaching.Contains(s))];
            seed = orphans.Count == 0 ? null : orphans[Random.Shared.Next(orphans.Count)];
            if (seed is null || _disposed)
            {
                return;
            }

            _reaching.Add(seed);
        }

        _work.Run(async () =>
        {
            try
            {
                await using var connection = new PeerConnection(seed, _clientOptions, _time);
                MembershipView view;
                lock (_gate)
                {
                    view = state.View;
                }

                AcceptGossipReply(state, await connection.CallAsync(MembershipCodec.Encode(MembershipMessage.Gossip(state.Self, view)), _options.CallTimeout, _stopping.Token).ConfigureAwait(false));
            }
#pragma warning disable CA1031 // A seed that does not answer is asked again next round; it may be down for good.
            catch (Exception e) when (!_stopping.IsCancellationRequested)
#pragma warning restore CA1031
            {
                MembershipLog.SeedUnanswered(_logger, state.Self, seed, e.Message);
            }
            finally
            {
                lock (_gate)
                {
                    _reaching.Remove(seed);
                }
            }
        });
    }

    private async Task ProbeAsync(SiloAddress target)
    {
        bool answered = false;
        MembershipState state;
        long version;
        lock (_gate)
        {
            state = _state!;
            version = state.View.Version;
        }

        try
        {
            byte[] request = MembershipCodec.Encode(MembershipMessage.Probe(state.Self, target, version));
            byte[] answer = await _peers.For(target).CallAsync(request, _options.ProbeTimeout, _stopping.Token).ConfigureAwait(false);
            MembershipMessage reply = MembershipCodec.Decode(answer, _options.MaxSilos);
            if (reply.Kind == MembershipMessageKind.DeclaredDead && reply.Silo == state.Self)
            {
                MarkSelfDead();
                return;
            }

            // Only the expected incarnation counts: a restarted silo on the same endpoint does not vouch for the old one.
            answered = reply.Kind == MembershipMessageKind.ProbeAck && reply.Silo == target;
            if (answered && reply.ViewVersion != version)
            {
                ExchangeWith(target);
            }
        }
#pragma warning disable CA1031 // Any failure to get the expected answer (refused, closed, timed out, remote error, garbage) is a missed probe.
        catch (Exception) when (!_stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            answered = false;
        }
        finally
        {
            lock (_gate)
            {
                _probing.Remove(target);
            }
        }

        ProbeOutcome outcome;
        MembershipView before;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            before = state.View;
            outcome = state.ApplyProbeResult(target, answered, _time.GetUtcNow());
            if (ReferenceEquals(before, state.View))
            {
                return;
            }
        }

        MembershipLog.Suspects(_logger, state.Self, target, outcome);
        OnViewChanged();
    }

    /// <summary>Starts a push-pull exchange with <paramref name="peer"/>, or asks the one in flight to run again with the newer view.</summary>
    private void ExchangeWith(SiloAddress peer)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_pushing.ContainsKey(peer))
            {
                _pushing[peer] = true;
                return;
            }

            _pushing[peer] = false;
        }

        _work.Run(() => ExchangeLoopAsync(peer));
    }

    private async Task ExchangeLoopAsync(SiloAddress peer)
    {
        while (true)
        {
            MembershipState state;
            MembershipView view;
            lock (_gate)
            {
                _pushing[peer] = false;
                state = _state!;
                view = state.View;
            }

            try
            {
                AcceptGossipReply(state, await _peers.For(peer).CallAsync(
                    MembershipCodec.Encode(MembershipMessage.Gossip(state.Self, view)), _options.CallTimeout, _stopping.Token).ConfigureAwait(false));
            }
#pragma warning disable CA1031 // A failed exchange is retried by the next change or gossip round; probes judge the peer's health.
            catch (Exception e) when (!_stopping.IsCancellationRequested)
#pragma warning restore CA1031
            {
                MembershipLog.GossipFailed(_logger, state.Self, peer, e);
            }

            lock (_gate)
            {
                if (!_pushing[peer] || _disposed)
                {
                    _pushing.Remove(peer);
                    return;
                }
            }
        }
    }

    /// <summary>A peer's answer to our gossip: we are dead to it (then stop), or its view, merged into ours.</summary>
    private void AcceptGossipReply(MembershipState state, byte[] answer)
    {
        MembershipMessage reply = MembershipCodec.Decode(answer, _options.MaxSilos);
        if (reply.Kind == MembershipMessageKind.DeclaredDead && reply.Silo == state.Self)
        {
            MarkSelfDead();
            return;
        }

        if (reply.View is not { } theirs)
        {
            return;
        }

        bool changed;
        lock (_gate)
        {
            changed = state.Merge(theirs);
        }

        if (changed)
        {
            OnViewChanged();
        }
    }

    /// <summary>After the view changed: raise the event and push the new view to every live peer.</summary>
    private void OnViewChanged()
    {
        List<SiloAddress> peers;
        lock (_gate)
        {
            MembershipState state = _state!;
            if (state.SelfStatus == SiloStatus.Dead)
            {
                peers = [];
            }
            else
            {
                peers = LivePeers(state);
            }
        }

        Publish();
        foreach (SiloAddress peer in peers)
        {
            ExchangeWith(peer);
        }
    }

    private void Publish()
    {
        lock (_eventGate)
        {
            MembershipView view;
            SiloAddress self;
            lock (_gate)
            {
                view = _state!.View;
                self = _state.Self;
            }

            if (view.Version <= _publishedVersion)
            {
                return;
            }

            _publishedVersion = view.Version;
            if (view.SameMembership(_published))
            {
                return;
            }

            _published = view;
            MembershipLog.Changed(_logger, self, view);
            if (view.StatusOf(self) == SiloStatus.Dead)
            {
                MembershipLog.DeclaredDead(_logger, self);
            }

            try
            {
                MembershipChanged?.Invoke(this, new MembershipChangedEventArgs(view));
            }
#pragma warning disable CA1031 // A subscriber's bug must not stop failure detection.
            catch (Exception e)
#pragma warning restore CA1031
            {
                MembershipLog.SubscriberFailed(_logger, self, e);
            }
        }
    }

    /// <summary>A peer told this silo it is dead: record it (the view says so from now on) and fall silent.</summary>
    private void MarkSelfDead()
    {
        lock (_gate)
        {
            MembershipState state = _state!;
            state.DeclareSelfDead();
        }

        Publish();
    }
}
