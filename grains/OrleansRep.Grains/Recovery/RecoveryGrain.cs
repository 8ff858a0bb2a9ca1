using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// "recovery@{site}": the site's part in the recovery master's loop (see <see cref="IRecoveryGrain"/>). A ban and the
/// map generation are grain state in the site's own engine (<see cref="RecoveryGrainState"/>), written before they take
/// effect, so a restarted site honours a ban that has not ended and reports the map generation it was on; the rest is
/// in memory (replicas are always-on, and so is this grain: collection is pushed out a year). [Reentrant]: a ban's
/// handovers take seconds while polls must still be answered; every step between awaits runs alone, and state writes
/// go one at a time.
/// </summary>
[Reentrant]
internal sealed class RecoveryGrain : Grain, IRecoveryGrain
{
    /// <summary>How long a ban waits for a candidate's view when it picks where to hand a mastership.</summary>
    private static readonly TimeSpan CandidateTimeout = TimeSpan.FromSeconds(1);

    private readonly SiteStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly SiteEventLog _events;
    private readonly ILogger _log;
    private readonly IPersistentState<RecoveryGrainState> _state;
    private int _site;
    private DateTimeOffset _startedAt;
    private bool _stopped;
    private int _recoveryMaster;
    private IReadOnlyList<SiteBanCredits> _credits = [];
    private Task _lastWrite = Task.CompletedTask;

    public RecoveryGrain(SiteStorageOptions options, TimeProvider time, SiteEventLog events, ILoggerFactory loggers)
    {
        _options = options;
        _time = time;
        _events = events;
        _log = loggers.CreateLogger<RecoveryGrain>();
        _state = GetPersistentState<RecoveryGrainState>("recovery", OrleansRepGrains.StorageName);
    }

    private RecoveryGrainState State => _state.State;

    private bool Banned => State.BannedUntil is not null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _site = int.Parse(GrainId.Key.AsSpan(GrainId.Key.LastIndexOf('@') + 1), System.Globalization.CultureInfo.InvariantCulture);
        _startedAt = _time.GetUtcNow();
        if (State.BannedUntil is not { } until)
        {
            return;
        }

        if (_time.GetUtcNow() >= until)
        {
            // The ban ended while the site was down: it ends now, as its own daemon would have ended it.
            await EndBanAsync($"the ban of site {_site} is over (since {until:O}; it ended while the site was down)");
            return;
        }

        // Still banned: every replica back at 0 (the site may have stopped between recording the ban and setting them).
        RecoveryGrainLog.StillBanned(_log, _site, until, State.BanReason ?? "");
        await SetPrioritiesToZeroAsync();
    }

    public async Task<RecoveryView> GetView()
    {
        var status = await GrainFactory.GetGrain<ISiteGrain>(GrainKeys.Site(_site)).GetStatus();
        return new RecoveryView(
            _site,
            _startedAt,
            Banned,
            State.BannedUntil,
            _stopped,
            _recoveryMaster,
            State.MapGeneration,
            [.. status.Shards.Select(s => new ShardMastership(s.Shard, s.Role == RepRole.Master ? _site : s.Master, s.Gen, s.MembershipVersion) { Commits = s.Role == RepRole.Master ? s.Counters?.Commits ?? 0 : 0 })],
            status.Members)
        {
            LastRecovery = State.LastRecovery,
            LastRecoveryAt = State.LastRecoveryAt,
            BanReason = State.BanReason,
            BanCredits = _credits,
        };
    }

    public Task SetRecoveryMaster(int recoveryMaster)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recoveryMaster);
        _recoveryMaster = recoveryMaster;
        return Task.CompletedTask;
    }

    public async Task AcceptRecovery(int recoveryMaster, long mapGeneration, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recoveryMaster);
        ArgumentOutOfRangeException.ThrowIfNegative(mapGeneration);
        ArgumentNullException.ThrowIfNull(reason);
        if (mapGeneration < State.MapGeneration)
        {
            return;
        }

        _recoveryMaster = recoveryMaster;
        State.MapGeneration = mapGeneration;
        State.LastRecovery = reason;
        State.LastRecoveryAt = _time.GetUtcNow();
        await WriteStateAsync();
        RecoveryGrainLog.Recovery(_log, _site, mapGeneration, recoveryMaster, reason);
    }

    public async Task<RecoveryView> Ban(int seconds, string reason, int handoverWaitMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        ArgumentOutOfRangeException.ThrowIfNegative(handoverWaitMs);
        ArgumentNullException.ThrowIfNull(reason);
        var until = _time.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        var newly = !Banned;
        State.BannedUntil = until;
        State.BanReason = reason;
        // Recorded before it takes effect: a site that stops from here on is still banned when it starts again.
        await WriteStateAsync();
        RecoveryGrainLog.Banned(_log, _site, until, reason);
        Raise(RepEventKind.Banned, $"until {until:O}: {reason}");
        if (newly)
        {
            // Priority 0 first, so that no election makes this site master again while its masterships move.
            await SetPrioritiesToZeroAsync();
        }

        await HandOverMasterships(handoverWaitMs);
        return await GetView();
    }

    public async Task<RecoveryView> Unban(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Banned)
        {
            await EndBanAsync(reason);
        }

        return await GetView();
    }

    public Task ReportBanCredits(IReadOnlyList<SiteBanCredits> credits)
    {
        ArgumentNullException.ThrowIfNull(credits);
        _credits = [.. credits];
        return Task.CompletedTask;
    }

    public Task MarkStopped()
    {
        _stopped = true;
        return Task.CompletedTask;
    }

    // Bans and their end are events of the banned site's feed (shard -1), whoever asked for them.
    private void Raise(RepEventKind kind, string detail) =>
        _events.Add(new SiteEvent(_time.GetUtcNow(), _site, -1, kind, 0, _site, 0) { Detail = detail });

    // Every replica's priority to 0, keeping the one each had before (unless a ban already set it: a repeat keeps the
    // first), recorded before the ban can end.
    private async Task SetPrioritiesToZeroAsync()
    {
        var shards = Shards().ToList();
        var previous = await Task.WhenAll(shards.Select(s => s.SetPriority(0)));
        var changed = false;
        for (var shard = 0; shard < shards.Count; shard++)
        {
            if (previous[shard] > 0 && !State.PriorityBeforeBan.ContainsKey(shard))
            {
                State.PriorityBeforeBan[shard] = previous[shard];
                changed = true;
            }
        }

        if (changed)
        {
            await WriteStateAsync();
        }
    }

    // Priorities restored first, then the ban forgotten: a site that stops between the two is still banned when it
    // starts (and ends the ban again).
    private async Task EndBanAsync(string reason)
    {
        var configured = _options.Sites.TryGetValue(_site, out var p) ? p : 100;
        var shards = Shards().ToList();
        await Task.WhenAll(shards.Select((s, i) => s.SetPriority(State.PriorityBeforeBan.TryGetValue(i, out var before) && before > 0 ? before : configured)));
        State.PriorityBeforeBan.Clear();
        State.BannedUntil = null;
        State.BanReason = null;
        await WriteStateAsync();
        // CTDB resets a node's priority time when it was banned: a site just back does not win the election at once.
        _startedAt = _time.GetUtcNow();
        RecoveryGrainLog.Unbanned(_log, _site, reason);
        Raise(RepEventKind.Unbanned, reason);
    }

    // One write at a time (the grain is reentrant and the state's ETag allows one writer); each writes the latest state.
    private async Task WriteStateAsync()
    {
        var previous = _lastWrite;
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastWrite = mine.Task;
        try
        {
            await previous;
            await _state.WriteStateAsync();
        }
        finally
        {
            mine.SetResult();
        }
    }

    private IEnumerable<ILogShardGrain> Shards() =>
        Enumerable.Range(0, _options.Shards).Select(s => GrainFactory.GetGrain<ILogShardGrain>(GrainKeys.Shard(s, _site)));

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
