using OrleansRep.Replication.Actions;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The in-memory twin of a site's storage, for tests and the simulator: a log of <see cref="LogRecordView"/>s with a
/// durable point, the parked records, and the persistent state. <see cref="Carry"/> carries out the storage actions
/// of a step with the same rules the engine enforces (a record goes exactly at the end of the log or at the start of
/// the next file; truncation only at a record boundary); <see cref="Crash"/> loses what was not durable, as a power
/// loss does.
/// </summary>
public sealed class MemoryReplicaStore : IReplicaStore
{
    private readonly SortedList<Lsn, LogRecordView> _log = [];
    private readonly SortedList<Lsn, LogRecordView> _parked = [];

    /// <param name="firstFile">The file the log starts in (1 for a new site).</param>
    public MemoryReplicaStore(uint firstFile = 1)
    {
        LogEnd = LogPositions.StartOfFile(firstFile);
        Durable = LogEnd;
    }

    public Lsn First => _log.Count == 0 ? Lsn.Zero : _log.Keys[0];

    public Lsn LogEnd { get; private set; }

    public Lsn Durable { get; private set; }

    public int ParkedCount => _parked.Count;

    public LogRecordView? LastParked => _parked.Count == 0 ? null : _parked.Values[^1];

    /// <summary>The state as of the last <see cref="PersistState"/> (what survives a crash).</summary>
    public RepPersistentState State { get; private set; } = new();

    /// <summary>Every record in the log, in order.</summary>
    public IReadOnlyList<LogRecordView> Records => _log.Values.ToList();

    public LogRecordView? Read(Lsn lsn) => _log.GetValueOrDefault(lsn);

    public LogRecordView? ReadFrom(Lsn lsn)
    {
        var i = LowerBound(_log, lsn);
        return i < _log.Count ? _log.Values[i] : null;
    }

    public LogRecordView? LastPermBefore(Lsn before)
    {
        for (var i = LowerBound(_log, before) - 1; i >= 0; i--)
        {
            if (_log.Values[i].IsPerm)
            {
                return _log.Values[i];
            }
        }

        return null;
    }

    public LogRecordView? ParkedFrom(Lsn lsn)
    {
        var i = LowerBound(_parked, lsn);
        return i < _parked.Count ? _parked.Values[i] : null;
    }

    /// <summary>Appends a local record (a master's own commit) at the end of the log, in the current file.</summary>
    public LogRecordView AppendLocal(RecordKind kind, ReadOnlyMemory<byte> frame)
    {
        var record = new LogRecordView(LogEnd, kind, frame);
        Append(record);
        return record;
    }

    /// <summary>Carries out the storage actions among <paramref name="actions"/> (the others are left to the
    /// caller). Returns the LSN the log is durable to when a <see cref="FlushLog"/> asked for it, else null.</summary>
    public Lsn? Carry(IEnumerable<RepAction> actions)
    {
        Lsn? flushed = null;
        foreach (var action in actions)
        {
            switch (action)
            {
                case AppendRecords append:
                    foreach (var r in append.Records)
                    {
                        Append(r);
                    }

                    break;
                case StartLogFile start:
                    StartFile(start.File);
                    break;
                case FlushLog:
                    Durable = LogEnd;
                    flushed = Durable;
                    break;
                case TruncateLog truncate:
                    Truncate(truncate.To);
                    break;
                case ParkRecord park:
                    _parked.TryAdd(park.Record.Lsn, park.Record);
                    break;
                case UnparkRecord unpark:
                    _parked.Remove(unpark.Lsn);
                    break;
                case ClearParked:
                    _parked.Clear();
                    break;
                case PersistState persist:
                    State = persist.State;
                    break;
                case BeginInternalInit init:
                    _log.Clear();
                    _parked.Clear();
                    LogEnd = init.FirstLsn;
                    Durable = init.FirstLsn;
                    break;
            }
        }

        return flushed;
    }

    /// <summary>Makes everything appended so far durable (the engine's group commit caught up).</summary>
    public Lsn MakeDurable()
    {
        Durable = LogEnd;
        return Durable;
    }

    /// <summary>A flush that started when the log ended at <paramref name="upTo"/> finished: everything before it (or
    /// before the end of the log, if the log was cut back since) is durable. Never moves the durable point back.</summary>
    public Lsn MakeDurable(Lsn upTo)
    {
        var to = upTo < LogEnd ? upTo : LogEnd;
        if (to > Durable)
        {
            Durable = to;
        }

        return Durable;
    }

    /// <summary>Removes the log files before file <paramref name="file"/> (log archiving): <see cref="First"/> moves on,
    /// so requests for older records can no longer be served from this log. The current file is never removed.</summary>
    public void ArchiveBefore(uint file)
    {
        var keep = Math.Min(file, LogEnd.File);
        while (_log.Count > 0 && _log.Keys[0].File < keep)
        {
            _log.RemoveAt(0);
        }
    }

    /// <summary>Power loss: records after the durable point are gone, and so are parked records (the bookkeeping
    /// database is not durable, as Berkeley DB's __db.rep.db).</summary>
    public void Crash()
    {
        while (_log.Count > 0 && _log.Keys[^1] >= Durable)
        {
            _log.RemoveAt(_log.Count - 1);
        }

        LogEnd = Durable;
        _parked.Clear();
    }

    private void Append(LogRecordView record)
    {
        if (record.Lsn != LogEnd && record.Lsn != LogPositions.StartOfFile(LogEnd.File + 1))
        {
            throw new InvalidOperationException($"record at {record.Lsn} does not follow the end of the log {LogEnd}");
        }

        _log.Add(record.Lsn, record);
        LogEnd = LogPositions.After(record);
    }

    private void StartFile(uint file)
    {
        if (file <= LogEnd.File)
        {
            return;
        }

        LogEnd = LogPositions.StartOfFile(file);
    }

    private void Truncate(Lsn to)
    {
        if (to > LogEnd || (_log.Count > 0 && to != LogEnd && !_log.ContainsKey(to) && to != LogPositions.StartOfFile(to.File) && !EndsARecord(to)))
        {
            throw new InvalidOperationException($"cannot truncate to {to}: not a record boundary of a log ending at {LogEnd}");
        }

        while (_log.Count > 0 && _log.Keys[^1] >= to)
        {
            _log.RemoveAt(_log.Count - 1);
        }

        LogEnd = to;
        if (Durable > to)
        {
            Durable = to;
        }
    }

    /// <summary>A record ends at <paramref name="lsn"/> (the last record of a file, followed by a later file).</summary>
    private bool EndsARecord(Lsn lsn)
    {
        var i = LowerBound(_log, lsn) - 1;
        return i >= 0 && LogPositions.After(_log.Values[i]) == lsn;
    }

    private static int LowerBound(SortedList<Lsn, LogRecordView> list, Lsn lsn)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (list.Keys[mid] < lsn)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
