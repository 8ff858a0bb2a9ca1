using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Recovery;
using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Silo.Recovery;

/// <summary>
/// The site's recovery daemon (CTDB's <c>ctdb_recoverd</c>), the I/O shell around <see cref="RecoveryLoop"/>: every
/// <see cref="RecoveryOptions.RecoverInterval"/> it polls every site's <see cref="IRecoveryGrain.GetView"/> (in
/// parallel, each within <see cref="RecoveryOptions.PollTimeout"/>), steps the loop and carries out its decisions:
/// the elected recovery master recorded on this site; on the recovery master, recoveries pushed to every active site
/// (stuck shards get an election), bans carried out by the banned site's recovery grain, takeover handovers (one at a
/// time, in the background, their outcome fed back next round). Every decision is a log line and an event in the
/// site's feed (shard -1, the reason in <see cref="SiteEvent.Detail"/>); bans and their end are raised by the banned
/// site's recovery grain, in its feed, whoever asked for them.
/// </summary>
public sealed partial class RecoveryDaemon : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly int _self;
    private readonly RecoveryOptions _options;
    private readonly TimeProvider _time;
    private readonly SiteEventLog _events;
    private readonly SiteRoleChanges _roleChanges;
    private readonly Func<IReadOnlyDictionary<int, bool>> _alive;
    private readonly ILogger _log;
    private readonly RecoveryLoop _loop;
    private readonly ConcurrentQueue<(TakeoverHandover Handover, bool Succeeded)> _finished = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private string _reportedCredits = "";

    /// <param name="alive">The group's sites and whether this silo's membership holds each alive.</param>
    public RecoveryDaemon(IGrainFactory grains, int self, RecoveryOptions options, TimeProvider time, SiteEventLog events, SiteRoleChanges roleChanges, Func<IReadOnlyDictionary<int, bool>> alive, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _self = self;
        _options = options;
        _time = time;
        _events = events;
        _roleChanges = roleChanges;
        _alive = alive;
        _log = log;
        _loop = new RecoveryLoop(self, options);
        _run = RunAsync();
    }

    private IRecoveryGrain Recovery(int site) => _grains.GetGrain<IRecoveryGrain>(GrainKeys.Recovery(site));

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_options.RecoverInterval, _time);
        try
        {
            // The first call activates this site's recovery grain: its start time is the daemon's (CTDB's priority time).
            await Recovery(_self).GetView().ConfigureAwait(false);
            do
            {
                try
                {
                    await RoundAsync().ConfigureAwait(false);
                }
#pragma warning disable CA1031 // One failed round (a grain call, the silo stopping) must not end the daemon.
                catch (Exception e) when (!_stop.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    RoundFailed(_log, _self, e);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The silo stopping under the first call.
        catch (Exception e) when (_stop.IsCancellationRequested)
#pragma warning restore CA1031
        {
            RoundFailed(_log, _self, e);
        }
    }

    private async Task RoundAsync()
    {
        while (_finished.TryDequeue(out var done))
        {
            _loop.TakeoverFinished(done.Handover, done.Succeeded, _time.GetUtcNow());
        }

        var alive = _alive();
        var self = await Poll(_self).ConfigureAwait(false);
        var sites = alive.Keys.Concat(self?.Members.Select(m => m.Site) ?? []).Append(_self).Distinct().Order().ToList();
        var polls = await Task.WhenAll(sites.Select(async s => new SitePoll(s, s == _self ? self : await Poll(s).ConfigureAwait(false), alive.GetValueOrDefault(s, true)))).ConfigureAwait(false);
        foreach (var decision in _loop.Step(_time.GetUtcNow(), polls))
        {
            await CarryOutAsync(decision, sites.Count).ConfigureAwait(false);
        }

        await ReportCreditsAsync().ConfigureAwait(false);
    }

    // The credits the loop holds (as recovery master) go into this site's view when they change, for /api/recovery.
    private async Task ReportCreditsAsync()
    {
        var credits = _loop.Credits;
        var reported = string.Join(";", credits.Select(c => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.Site}:{c.Credits}:{c.LastAt.UtcTicks}")));
        if (reported != _reportedCredits)
        {
            await Recovery(_self).ReportBanCredits(credits).ConfigureAwait(false);
            _reportedCredits = reported;
        }
    }

    private async Task<RecoveryView?> Poll(int site)
    {
        try
        {
            return await Recovery(site).GetView().WaitAsync(_options.PollTimeout, _stop.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure is "did not answer": the loop judges it.
        catch (Exception) when (!_stop.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private async Task CarryOutAsync(RecoveryDecision decision, int sites)
    {
        Decided(_log, _self, decision.GetType().Name, decision.Reason);
        switch (decision)
        {
            case RecoveryMasterElected elected:
                await Recovery(_self).SetRecoveryMaster(elected.Site).ConfigureAwait(false);
                Raise(RepEventKind.RecoveryMasterElected, elected.Site, 0, decision.Reason);
                break;
            case RecoveryStarted recovery:
                Raise(RepEventKind.Recovery, _self, (uint)recovery.MapGeneration, $"map generation {recovery.MapGeneration}: {recovery.Reason}");
                await Task.WhenAll(recovery.Sites.Select(async s =>
                {
                    try
                    {
                        await Recovery(s).AcceptRecovery(_self, recovery.MapGeneration, recovery.Reason).WaitAsync(_options.PollTimeout).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // A failed push costs the site credits, whatever the failure.
                    catch (Exception)
#pragma warning restore CA1031
                    {
                        _loop.RecoveryPushFailed(s, sites, _time.GetUtcNow());
                    }
                })).ConfigureAwait(false);
                foreach (var shard in recovery.ShardsToElect)
                {
                    _ = Background(() => _grains.GetGrain<ILogShardGrain>(GrainKeys.Shard(shard, recovery.ElectFrom)).CallElection(), $"election for stuck shard {shard} from site {recovery.ElectFrom}");
                }

                break;
            case SiteBanned ban:
                _ = Background(() => Recovery(ban.Site).Ban((int)Math.Ceiling(ban.Period.TotalSeconds), ban.Reason, HandoverWaitMs), $"ban of site {ban.Site}");
                break;
            case SiteUnbanned unban:
                await Recovery(unban.Site).Unban(unban.Reason).ConfigureAwait(false);
                break;
            case TakeoverHandover move:
                Raise(RepEventKind.TakeoverRun, move.To, 0, $"shard {move.Shard}: site {move.From} → site {move.To}: {move.Reason}");
                _ = Task.Run(async () =>
                {
                    var succeeded = false;
                    try
                    {
                        await _roleChanges.HandoverAsync(move.Shard, move.To, _options.HandoverWait).ConfigureAwait(false);
                        succeeded = true;
                    }
#pragma warning disable CA1031 // Refused or failed: nothing changed; the loop counts it and plans again later.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        ActionFailed(_log, _self, $"takeover handover of shard {move.Shard} to site {move.To}", e.Message);
                    }

                    _finished.Enqueue((move, succeeded));
                });
                break;
        }
    }

    private int HandoverWaitMs => (int)Math.Clamp(_options.HandoverWait.TotalMilliseconds, 0, int.MaxValue);

    private Task Background(Func<Task> action, string what) => Task.Run(async () =>
    {
        try
        {
            await action().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Logged; the next rounds see the outcome in the views.
        catch (Exception e)
#pragma warning restore CA1031
        {
            ActionFailed(_log, _self, what, e.Message);
        }
    });

    private void Raise(RepEventKind kind, int about, uint gen, string detail) =>
        _events.Add(new SiteEvent(_time.GetUtcNow(), _self, -1, kind, gen, about, 0) { Detail = detail });

    /// <summary>Marks this site stopped (it leaves the recovery master's election) and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Recovery(_self).MarkStopped().WaitAsync(_options.PollTimeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Stopping anyway.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "site {Site} recovery daemon: {Decision}: {Reason}")]
    private static partial void Decided(ILogger logger, int site, string decision, string reason);

    [LoggerMessage(2, LogLevel.Warning, "site {Site} recovery daemon: {What} failed: {Reason}")]
    private static partial void ActionFailed(ILogger logger, int site, string what, string reason);

    [LoggerMessage(3, LogLevel.Warning, "site {Site} recovery daemon: a round failed")]
    private static partial void RoundFailed(ILogger logger, int site, Exception error);
}
