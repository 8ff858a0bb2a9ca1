using Microsoft.Extensions.Logging;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The replica's part in keeping log for lagging clients (<see cref="SiteStorageOptions.LogRetentionForLaggingClients"/>):
/// on every tick the master's view of its clients (acknowledged LSNs, from its machine) goes into a
/// <see cref="ClientLogRetention"/>, and archiving keeps every file from the oldest LSN a client still needs.
/// </summary>
internal sealed partial class LogShardGrain
{
    private ClientLogRetention? _clientRetention;
    private Lsn _logRetainedFrom;
    private int _logFilesKeptForClients;

    private ClientLogRetention ClientRetention => _clientRetention ??= new ClientLogRetention(options.LogRetentionForLaggingClients);

    /// <summary>Takes in what the machine knows of the clients now (reads its state only; cheap: one entry per member).</summary>
    private void ObserveClients()
    {
        if (_node is not { } node || options.LogRetentionForLaggingClients == TimeSpan.Zero)
        {
            return;
        }

        var self = node.Self;
        ClientRetention.Observe(
            node.Role == RepRole.Master,
            node.Gen,
            node.State.Sites.Values.Where(s => s.Id != self).Select(s => (s.Id, node.AckedBy(s.Id))),
            node.Role == RepRole.Master ? node.MaxPermLsn : Lsn.Zero,
            time.GetElapsedTime(_started));
    }

    /// <summary>The oldest LSN archiving must keep for clients now (<see cref="Lsn.Zero"/>: none).</summary>
    private Lsn KeepForClients()
    {
        ObserveClients();
        return options.LogRetentionForLaggingClients == TimeSpan.Zero ? Lsn.Zero : ClientRetention.OldestNeeded(time.GetElapsedTime(_started), Store.LogEnd, MaxFilesKeptForClients());
    }

    /// <summary><see cref="SiteStorageOptions.LogRetentionMaxBytes"/> in whole files of this shard's log (at least one;
    /// 0: no cap).</summary>
    private uint MaxFilesKeptForClients() =>
        options.LogRetentionMaxBytes <= 0 ? 0 : (uint)Math.Clamp(options.LogRetentionMaxBytes / Store.Environment.Options.LogFileSize, 1, uint.MaxValue);

    /// <summary>Remembers what the last archiving kept for clients (reported in the replica's status) and logs it.</summary>
    private void ArchivedForClients(Lsn keptFrom, int keptFiles)
    {
        if (keptFiles > 0 && keptFiles != _logFilesKeptForClients)
        {
            KeptForClients(_log, _shard, _site, keptFiles, keptFrom.ToString());
        }

        _logRetainedFrom = keptFrom;
        _logFilesKeptForClients = keptFiles;
    }

    [LoggerMessage(101, LogLevel.Information, "shard {Shard} on site {Site}: log archiving keeps {Files} files for lagging clients (from {From})")]
    private static partial void KeptForClients(ILogger logger, int shard, int site, int files, string from);
}
