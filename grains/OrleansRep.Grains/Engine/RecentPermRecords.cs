using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// The PERM records a replica's store appended lately (ascending), so that "the last PERM record before the durable
/// point", which a client asks after every flush to acknowledge it, is answered from memory instead of by reading the
/// log backward (a file open, reads and stats per flush: most of a client's CPU under load). It holds every PERM
/// record from <see cref="_coveredFrom"/> up to the log end it saw last; anything else (an older point, or a log another
/// writer moved on, as a master's own commits do) is the caller's to look up in the log.
/// </summary>
internal sealed class RecentPermRecords(int capacity)
{
    private readonly List<LogRecordView> _records = [];
    private Lsn _coveredFrom = Lsn.Max;
    private Lsn _coveredTo = Lsn.Zero;

    /// <summary>Before appending at <paramref name="logEnd"/>: a log that moved since the last note starts the cover
    /// afresh (records appended by someone else are not known here).</summary>
    public void Appending(Lsn logEnd)
    {
        if (logEnd != _coveredTo)
        {
            _records.Clear();
            _coveredFrom = logEnd;
        }
    }

    /// <summary>After <paramref name="records"/> were appended and the log ends at <paramref name="logEnd"/>.</summary>
    public void Appended(IReadOnlyList<LogRecordView> records, Lsn logEnd)
    {
        foreach (var record in records)
        {
            if (record.IsPerm)
            {
                // A copy: the frame may be a slice of a whole delivery, which must not be kept alive by this note.
                _records.Add(record with { Frame = record.Frame.ToArray() });
            }
        }

        if (_records.Count > capacity)
        {
            // Drop the older half: the cover then starts after the newest record dropped.
            var drop = _records.Count / 2;
            _coveredFrom = LogPositions.After(_records[drop - 1]);
            _records.RemoveRange(0, drop);
        }

        _coveredTo = logEnd;
    }

    /// <summary>The log was cut back or replaced: nothing noted holds.</summary>
    public void Clear()
    {
        _records.Clear();
        _coveredFrom = Lsn.Max;
        _coveredTo = Lsn.Zero;
    }

    /// <summary>The last PERM record before <paramref name="before"/> when the notes decide it; else false (look in the
    /// log).</summary>
    public bool TryLastBefore(Lsn before, Lsn logEnd, out LogRecordView? record)
    {
        record = null;
        if (logEnd != _coveredTo)
        {
            return false;
        }

        var limit = before < logEnd ? before : logEnd;
        for (var i = _records.Count - 1; i >= 0; i--)
        {
            if (_records[i].Lsn < limit)
            {
                record = _records[i];
                return true;
            }
        }

        return false; // none in [cover start, limit): the answer, if any, lies before the cover
    }
}
