using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// What the state machine may read of its site's storage (as etcd/raft's <c>Storage</c>): the local log and the
/// records parked in the bookkeeping database. Reads only: every change is an action the host carries out, and the
/// host carries out all actions of one <see cref="ReplicationNode.Step"/>, in order, before the next step, so these
/// reads always see the effect of earlier steps. The simulator implements it in memory; the grains on the engine.
/// </summary>
public interface IReplicaStore
{
    /// <summary>The first record still in the log (older files may have been archived); <see cref="Lsn.Zero"/> when
    /// the log is empty.</summary>
    Lsn First { get; }

    /// <summary>Where the next record goes (Berkeley DB's end of log; a client's <c>ready_lsn</c> starts here).</summary>
    Lsn LogEnd { get; }

    /// <summary>Everything before this LSN is durable (fsynced).</summary>
    Lsn Durable { get; }

    /// <summary>The record at <paramref name="lsn"/>, or null if there is none there.</summary>
    LogRecordView? Read(Lsn lsn);

    /// <summary>The first record at or after <paramref name="lsn"/> (moving on into later files), or null at the end.</summary>
    LogRecordView? ReadFrom(Lsn lsn);

    /// <summary>The records from the first at or after <paramref name="from"/> on, in order (moving on into later files),
    /// read as the caller goes: what serving a log request streams. A store whose reads are costly (files) reads the log
    /// once here instead of looking each record up. The default looks each up with <see cref="ReadFrom"/>.</summary>
    IEnumerable<LogRecordView> Forward(Lsn from)
    {
        for (var r = ReadFrom(from); r is not null; r = ReadFrom(LogPositions.After(r)))
        {
            yield return r;
        }
    }

    /// <summary>The last PERM record (commit or checkpoint) that starts before <paramref name="before"/>, or null.</summary>
    LogRecordView? LastPermBefore(Lsn before);

    /// <summary>The parked record with the lowest LSN at or after <paramref name="lsn"/>, or null.</summary>
    LogRecordView? ParkedFrom(Lsn lsn);

    /// <summary>How many records are parked (the machine bounds it).</summary>
    int ParkedCount { get; }

    /// <summary>The parked record with the highest LSN, or null: at the bound, an earlier record displaces it.</summary>
    LogRecordView? LastParked
    {
        get
        {
            LogRecordView? last = null;
            for (var r = ParkedFrom(Lsn.Zero); r is not null; r = ParkedFrom(LogPositions.After(r)))
            {
                last = r;
            }

            return last;
        }
    }
}
