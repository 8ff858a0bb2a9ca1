using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// Counts a client's lag in the master's log (the "lag in records and bytes"): the records after the last one
/// it acknowledged, up to the log end. An LSN difference gives bytes only within one log file; the master's log gives
/// both, across files, at the price of reading it, so at most <see cref="MaxRecords"/> records are read per client.
/// </summary>
internal static class ClientLagCounter
{
    /// <summary>The most records read for one client per count (about a few milliseconds of reading).</summary>
    public const int MaxRecords = 10_000;

    public static ClientLag Count(IReplicaStore log, int site, Lsn acked, Lsn end)
    {
        long records = 0, bytes = 0;
        foreach (var record in log.Forward(acked))
        {
            if (record.Lsn >= end)
            {
                break;
            }

            if (!acked.IsZero && record.Lsn <= acked)
            {
                continue; // the acknowledged record itself
            }

            if (records == MaxRecords)
            {
                return new ClientLag(site, acked.ToUInt64(), records, bytes, AtLeast: true);
            }

            records++;
            bytes += record.Frame.Length;
        }

        return new ClientLag(site, acked.ToUInt64(), records, bytes, AtLeast: false);
    }
}
