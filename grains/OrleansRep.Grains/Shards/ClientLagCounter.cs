using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// Counts, on a shard's master, each client's lag in its log (the "lag in records and bytes"): the records
/// after the last one the client acknowledged, up to the log end. An LSN difference gives bytes only within one log
/// file; the log gives both, across files, at the price of reading it. Status calls come several times a second (the
/// recovery daemons, the dashboard) on the shard grain's turn, so the count is kept per client and moved on by what
/// changed since the last call: the records written since (added) and those acknowledged since (taken off). A full
/// count reads at most <see cref="MaxRecords"/> records and is made at most once per <see cref="RecountInterval"/> per
/// client; a client far behind is reported as "at least" that many. Every <see cref="FullCountInterval"/> a count is
/// made afresh.
/// </summary>
internal sealed class ClientLagCounter
{
    /// <summary>The most records a full count reads for one client.</summary>
    public const int MaxRecords = 10_000;

    /// <summary>How often a client whose count cannot be moved on (far behind) is counted again.</summary>
    public static readonly TimeSpan RecountInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a count is moved on before it is made afresh (archiving may have removed records it would
    /// take off, so small errors could add up).</summary>
    public static readonly TimeSpan FullCountInterval = TimeSpan.FromSeconds(10);

    private readonly Dictionary<int, (Lsn Acked, Lsn End, ClientLag Lag, TimeSpan CountedAt)> _counts = [];

    /// <summary>
    /// <paramref name="site"/>'s lag in <paramref name="log"/> after <paramref name="acked"/> up to <paramref name="end"/>,
    /// at <paramref name="now"/> (elapsed time). Null when the master has no acknowledgement from it in its generation
    /// (just became master, or the site just joined): it does not know where the site is.
    /// </summary>
    public ClientLag? Lag(IReplicaStore log, int site, Lsn acked, Lsn end, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (acked.IsZero)
        {
            _counts.Remove(site);
            return null;
        }

        if (_counts.TryGetValue(site, out var last) && end >= last.End && acked >= last.Acked && acked <= last.End)
        {
            if (!last.Lag.AtLeast && now - last.CountedAt < FullCountInterval)
            {
                // Moved on: the records written since added, those acknowledged since taken off.
                var (addedRecords, addedBytes, _) = Between(log, (last.End, true), (end, false), int.MaxValue);
                var (ackedRecords, ackedBytes, _) = Between(log, (last.Acked, false), (acked, true), int.MaxValue);
                var lag = new ClientLag(site, acked.ToUInt64(), last.Lag.Records + addedRecords - ackedRecords, last.Lag.Bytes + addedBytes - ackedBytes, AtLeast: false);
                _counts[site] = (acked, end, lag, last.CountedAt);
                return lag;
            }

            if (now - last.CountedAt < RecountInterval)
            {
                return last.Lag with { Acked = acked.ToUInt64() }; // still at least that many
            }
        }

        var (records, bytes, atLeast) = Between(log, (acked, false), (end, false), MaxRecords);
        var counted = new ClientLag(site, acked.ToUInt64(), records, bytes, atLeast);
        _counts[site] = (acked, end, counted, now);
        return counted;
    }

    /// <summary>Forgets the sites not in <paramref name="sites"/> (removed members).</summary>
    public void Retain(IReadOnlyCollection<int> sites)
    {
        foreach (var gone in _counts.Keys.Where(s => !sites.Contains(s)).ToList())
        {
            _counts.Remove(gone);
        }
    }

    /// <summary>The records between <paramref name="from"/> and <paramref name="to"/>, each bound's own record
    /// counted when it is marked included (a past log end starts a range; an acknowledged record ends one), at most
    /// <paramref name="limit"/> (then <c>AtLeast</c>).</summary>
    private static (long Records, long Bytes, bool AtLeast) Between(IReplicaStore log, (Lsn Lsn, bool Included) from, (Lsn Lsn, bool Included) to, int limit)
    {
        long records = 0, bytes = 0;
        foreach (var record in log.Forward(from.Lsn))
        {
            if (record.Lsn > to.Lsn || (record.Lsn == to.Lsn && !to.Included))
            {
                break;
            }

            if (record.Lsn < from.Lsn || (record.Lsn == from.Lsn && !from.Included))
            {
                continue;
            }

            if (records == limit)
            {
                return (records, bytes, true);
            }

            records++;
            bytes += record.Frame.Length;
        }

        return (records, bytes, false);
    }
}
