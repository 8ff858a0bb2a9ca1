using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Storage.Backup;

namespace OrleansRep.Grains.Backup;

/// <summary>
/// The site's backups (one at a time): <see cref="Start"/> checks the directory and the environments, then runs
/// <see cref="HotBackup"/> on a thread of its own (it copies for seconds to minutes; no grain turn waits on it) and
/// keeps its progress for <see cref="Status"/>, which the site grain serves for polling. A singleton of the silo, so a
/// backup outlives any call.
/// </summary>
public sealed class SiteBackups(SiteStorageOptions options, SiteEnvironment site, ReplicaEnvironments replicas, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger<SiteBackups>();
    private readonly object _gate = new();
    private SiteBackupStatus? _latest;

    /// <summary>The latest backup's status, or null if none was started.</summary>
    public SiteBackupStatus? Status()
    {
        lock (_gate)
        {
            return _latest;
        }
    }

    /// <summary>Starts a backup of site <paramref name="siteId"/> into <paramref name="directory"/>; returns its first status.</summary>
    /// <exception cref="SiteBackupRejectedException">Bad directory, a backup running, or a shard not open here.</exception>
    public SiteBackupStatus Start(int siteId, string directory)
    {
        try
        {
            HotBackup.CheckTarget(directory);
        }
        catch (BackupTargetException e)
        {
            throw new SiteBackupRejectedException($"site {siteId}: {e.Message}", e);
        }

        var sources = new List<BackupSource> { new("site", site.Environment) };
        for (var shard = 0; shard < options.Shards; shard++)
        {
            var env = replicas.Get(shard) ?? throw new SiteBackupRejectedException($"site {siteId}: shard {shard}'s replica is not open here (retry once the site has started)");
            sources.Add(new BackupSource($"shard-{shard}", env));
        }

        var names = sources.Select(s => s.Name).ToList();
        SiteBackupStatus started;
        lock (_gate)
        {
            if (_latest is { State: SiteBackupState.Running } running)
            {
                throw new SiteBackupRejectedException($"site {siteId}: a backup to {running.Directory} is running ({running.BytesCopied} of {running.TotalBytes} bytes); one at a time");
            }

            started = new SiteBackupStatus(siteId, directory, SiteBackupState.Running, 0, 0, names[0], names, null, null, time.GetUtcNow(), null);
            _latest = started;
        }

        BackupLog.Started(_log, siteId, directory, string.Join(", ", names));
        var clock = time.GetTimestamp();
        _ = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    var manifest = HotBackup.Run(sources, directory, $"site {siteId}", new Progress(p => Update(s => s with { BytesCopied = p.BytesCopied, TotalBytes = p.TotalBytes, Environment = p.Environment })));
                    Update(s => s with { State = SiteBackupState.Done, BytesCopied = manifest.TotalBytes, TotalBytes = manifest.TotalBytes, Finished = time.GetUtcNow() });
                    BackupLog.Done(_log, siteId, directory, manifest.TotalBytes, time.GetElapsedTime(clock).TotalSeconds);
                }
#pragma warning disable CA1031 // Whatever ends the copy must end the status too, or a poller would wait on "Running" forever.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Update(s => s with { State = SiteBackupState.Failed, Error = e.Message, ErrorType = e.GetType().Name, Finished = time.GetUtcNow() });
                    BackupLog.Failed(_log, siteId, directory, e.Message);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return started;
    }

    private void Update(Func<SiteBackupStatus, SiteBackupStatus> change)
    {
        lock (_gate)
        {
            _latest = change(_latest!);
        }
    }

    private sealed class Progress(Action<BackupProgress> onReport) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => onReport(value);
    }
}
