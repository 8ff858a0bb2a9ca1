using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// "recovery@{site}": the site's part in the recovery master's loop (see <see cref="IRecoveryGrain"/>). Its state is
/// in memory, held by this activation (replicas are always-on, and so is this grain: collection is pushed out a
/// year). [Reentrant]: a ban's handovers take seconds while polls must still be answered; every step between awaits
/// runs alone.
/// </summary>
[Reentrant]
internal sealed class RecoveryGrain(SiteStorageOptions options, TimeProvider time, SiteEventLog events, ILoggerFactory loggers) : Grain, IRecoveryGrain
{
    /// <summary>How long a ban waits for a candidate's view when it picks where to hand a mastership.</summary>
    private static readonly TimeSpan CandidateTimeout = TimeSpan.FromSeconds(1);

    private readonly ILogger _log = loggers.CreateLogger<RecoveryGrain>();
    private readonly Dictionary<int, int> _priorityBeforeBan = [];
    private int _site;
    private DateTimeOffset _startedAt;
    private DateTimeOffset? _bannedUntil;
    private string? _banReason;
    private bool _stopped;
    private int _recoveryMaster;
    private long _mapGeneration;
    private string? _lastRecovery;
    private DateTimeOffset? _lastRecoveryAt;

    private bool Banned => _bannedUntil is not null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _site = int.Parse(GrainId.Key.AsSpan(GrainId.Key.LastIndexOf('@') + 1), System.Globalization.CultureInfo.InvariantCulture);
        _startedAt = time.GetUtcNow();
        // The ban is held in memory: a site that restarts starts unbanned, so a priority a ban left at 0 is restored
        // to the configured one (a site configured with priority 0 keeps 0).
        if (options.Sites.TryGetValue(_site, out var configured) && configured > 0)
        {
            await Task.WhenAll(Shards().Select(async s =>
            {
                var status = await s.GetStatus();
                if (status.Members.FirstOrDefault(m => m.Site == _site) is { Priority: 0 })
                {
                    await s.SetPriority(configured);
                }
            }));
        }
    }

    public async Task<RecoveryView> GetView()
    {
        var status = await GrainFactory.GetGrain<ISiteGrain>(GrainKeys.Site(_site)).GetStatus();
        return new RecoveryView(
            _site,
            _startedAt,
            Banned,
            _bannedUntil,
            _stopped,
            _recoveryMaster,
            _mapGeneration,
            [.. status.Shards.Select(s => new ShardMastership(s.Shard, s.Role == RepRole.Master ? _site : s.Master, s.Gen, s.MembershipVersion))],
            status.Members)
        {
            LastRecovery = _lastRecovery,
            LastRecoveryAt = _lastRecoveryAt,
            BanReason = _banReason,
        };
    }

    public Task SetRecoveryMaster(int recoveryMaster)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recoveryMaster);
        _recoveryMaster = recoveryMaster;
        return Task.CompletedTask;
    }

    public Task AcceptRecovery(int recoveryMaster, long mapGeneration, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recoveryMaster);
        ArgumentOutOfRangeException.ThrowIfNegative(mapGeneration);
        if (mapGeneration < _mapGeneration)
        {
            return Task.CompletedTask;
        }

        _recoveryMaster = recoveryMaster;
        _mapGeneration = mapGeneration;
        _lastRecovery = reason;
        _lastRecoveryAt = time.GetUtcNow();
        RecoveryGrainLog.Recovery(_log, _site, mapGeneration, recoveryMaster, reason);
        return Task.CompletedTask;
    }

    public async Task<RecoveryView> Ban(int seconds, string reason, int handoverWaitMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        ArgumentOutOfRangeException.ThrowIfNegative(handoverWaitMs);
        ArgumentNullException.ThrowIfNull(reason);
        var until = time.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        var newly = !Banned;
        _bannedUntil = until;
        _banReason = reason;
        RecoveryGrainLog.Banned(_log, _site, until, reason);
        Raise(RepEventKind.Banned, $"until {until:O}: {reason}");
        if (newly)
        {
            // Priority 0 first, so that no election makes this site master again while its masterships move.
            var shards = Shards().ToList();
            var previous = await Task.WhenAll(shards.Select(s => s.SetPriority(0)));
            for (var i = 0; i < shards.Count; i++)
            {
                _priorityBeforeBan[i] = previous[i];
            }
        }

        await HandOverMasterships(handoverWaitMs);
        return await GetView();
    }

    public async Task<RecoveryView> Unban(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Banned)
        {
            var configured = options.Sites.TryGetValue(_site, out var p) ? p : 100;
            var shards = Shards().ToList();
            await Task.WhenAll(shards.Select((s, i) => s.SetPriority(_priorityBeforeBan.TryGetValue(i, out var before) && before > 0 ? before : configured)));
            _priorityBeforeBan.Clear();
            _bannedUntil = null;
            _banReason = null;
            // CTDB resets a node's priority time when it was banned: a site just back does not win the election at once.
            _startedAt = time.GetUtcNow();
            RecoveryGrainLog.Unbanned(_log, _site, reason);
            Raise(RepEventKind.Unbanned, reason);
        }

        return await GetView();
    }

    public Task MarkStopped()
    {
        _stopped = true;
        return Task.CompletedTask;
    }

    // Bans and their end are events of the banned site's feed (shard -1), whoever asked for them.
    private void Raise(RepEventKind kind, string detail) =>
        events.Add(new SiteEvent(time.GetUtcNow(), _site, -1, kind, 0, _site, 0) { Detail = detail });

    private IEnumerable<ILogShardGrain> Shards() =>
        Enumerable.Range(0, options.Shards).Select(s => GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, _site)));

    // Every shard this site masters goes to the answering, unbanned site with priority above 0 that masters the fewest.
    private async Task HandOverMasterships(int waitMs)
    {
        var status = await GrainFactory.GetGrain<ISiteGrain>(GrainKeys.Site(_site)).GetStatus();
        var mine = status.Shards.Where(s => s.Role == RepRole.Master).Select(s => s.Shard).ToList();
        if (mine.Count == 0)
        {
            return;
        }

        var views = await Task.WhenAll(status.Members.Where(m => m.Site != _site).Select(async m =>
        {
            try
            {
                return await GrainFactory.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(m.Site)).GetView().WaitAsync(CandidateTimeout);
            }
#pragma warning disable CA1031 // A site that does not answer is no candidate, whatever the failure.
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
        }));
        var candidates = views.OfType<RecoveryView>().Where(v => RecoveryMasterElection.CanWin(v) && v.Members.Any(m => m.Site == v.Site && m.Priority > 0)).ToList();
        var load = candidates.ToDictionary(v => v.Site, v => status.Shards.Count(s => s.Master == v.Site));
        foreach (var shard in mine)
        {
            foreach (var to in load.OrderBy(l => l.Value).ThenBy(l => l.Key).Select(l => l.Key).ToList())
            {
                try
                {
                    await ShardErrors.Typed(GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, _site)).Handover(to, waitMs));
                    load[to]++;
                    break;
                }
#pragma warning disable CA1031 // Refused, not caught up, unreachable: try the next candidate; the recovery master's takeover run tries again.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    RecoveryGrainLog.BanHandoverFailed(_log, _site, shard, to, e.Message);
                }
            }
        }
    }
}
