using Microsoft.Extensions.Logging;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Silo;

/// <summary>
/// PostgreSQL's promote trigger (<c>pg_ctl promote</c> creates <c>$PGDATA/promote</c>): creating <c>promote</c> (fast)
/// or <c>promote.checkpoint</c> (checkpoint first) in a site's data directory (<c>{DataRoot}/site-N</c>) promotes the
/// site for every shard it is not master of, once it has applied the log it has received (each replica waits for
/// that). The file is removed when noticed, as PostgreSQL's startup process does, so one file is one promotion; the
/// outcome is logged. Checked every <see cref="SiteOptions.PromoteTriggerInterval"/>.
/// </summary>
public sealed partial class PromoteTrigger : IAsyncDisposable
{
    /// <summary>The trigger file for a fast promotion.</summary>
    public const string FastFile = "promote";

    /// <summary>The trigger file for a checkpoint-first promotion (PostgreSQL's old <c>fallback_promote</c>).</summary>
    public const string CheckpointFirstFile = "promote.checkpoint";

    private readonly string _directory;
    private readonly SiteRoleChanges _changes;
    private readonly int _site;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PromoteTrigger(string directory, SiteRoleChanges changes, int site, TimeSpan interval, TimeProvider time, ILogger log)
    {
        _directory = directory;
        _changes = changes;
        _site = site;
        _log = log;
        _loop = interval > TimeSpan.Zero ? LoopAsync(interval, time) : Task.CompletedTask;
    }

    private async Task LoopAsync(TimeSpan interval, TimeProvider time)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await CheckAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Promotes if a trigger file is there (the checkpoint-first one wins when both are).</summary>
    public async Task CheckAsync()
    {
        var checkpointFirst = Path.Combine(_directory, CheckpointFirstFile);
        var fast = Path.Combine(_directory, FastFile);
        var mode = File.Exists(checkpointFirst) ? PromotionMode.CheckpointFirst : File.Exists(fast) ? PromotionMode.Fast : (PromotionMode?)null;
        if (mode is not { } promotion)
        {
            return;
        }

        try
        {
            File.Delete(checkpointFirst);
            File.Delete(fast);
            Noticed(_log, _site, promotion);
            foreach (var report in await _changes.PromoteAsync(_site, null, promotion, TimeSpan.FromSeconds(60)).ConfigureAwait(false))
            {
                Promoted(_log, _site, report.Shard, report.Gen, report.UnavailableMs, report.AlreadyMaster);
            }
        }
#pragma warning disable CA1031 // A failed promotion is logged; the silo goes on (the operator may create the file again).
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(_log, _site, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(1, LogLevel.Warning, "site {Site}: promote trigger file found ({Mode}): promoting every shard")]
    private static partial void Noticed(ILogger logger, int site, PromotionMode mode);

    [LoggerMessage(2, LogLevel.Warning, "site {Site}: shard {Shard} promoted by trigger file, master in gen {Gen}; writes unavailable {UnavailableMs:F1} ms (already master: {Already})")]
    private static partial void Promoted(ILogger logger, int site, int shard, uint gen, double unavailableMs, bool already);

    [LoggerMessage(3, LogLevel.Error, "site {Site}: promotion by trigger file failed: {Reason}")]
    private static partial void Failed(ILogger logger, int site, string reason);
}
