using System.Buffers.Binary;
using OrleansRep.Replication;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// A replica's local, never replicated bookkeeping (Berkeley DB's __db.rep.* files), in a small environment of its
/// own beside the data: the persistent replication state and the started-file marker in <see cref="StateDatabase"/>
/// (written with Sync), and the parked out-of-order records in <see cref="ParkedDatabase"/> (key: LSN big-endian;
/// written without fsync and emptied at open, since parked records do not survive a crash, as in the twin
/// <see cref="MemoryReplicaStore"/>). It cannot live in the data environment: every local write there would be a
/// record in the replicated log, shifting the LSNs the master's records must land at, taking database ids the
/// master's records use, and being undone by a rollback of the log.
/// </summary>
internal sealed class ReplicaBookkeeping : IDisposable
{
    public const string StateDatabase = "__rep.state";
    public const string ParkedDatabase = "__rep.parked";

    /// <summary>Bookkeeping writes between removals of log files no checkpoint needs any more.</summary>
    private const int WritesPerLogCleanup = 4096;

    private static readonly byte[] StateKey = "state"u8.ToArray();
    private static readonly byte[] FileKey = "file"u8.ToArray();

    private readonly StorageEnvironment _env;
    private readonly Database _state;
    private readonly Database _parked;
    private int _writes;

    private ReplicaBookkeeping(StorageEnvironment env)
    {
        _env = env;
        _state = env.OpenDatabase(StateDatabase, create: true);
        _parked = env.OpenDatabase(ParkedDatabase, create: true);
        State = env.Get(_state, StateKey) is { } bytes ? RepStateCodec.Decode(bytes) : new RepPersistentState();
        StartedFile = env.Get(_state, FileKey) is { Length: 12 } file ? (BinaryPrimitives.ReadUInt32LittleEndian(file), Lsn.ReadFrom(file.AsSpan(4))) : default;
        ClearParked();
        env.RemoveArchivableLogFiles();
    }

    /// <summary>The state as of the last <see cref="Persist"/>.</summary>
    public RepPersistentState State { get; private set; }

    /// <summary>The file the log was durably moved to before any record landed in it, and where the log ended then
    /// (File 0: none).</summary>
    public (uint File, Lsn After) StartedFile { get; private set; }

    public int ParkedCount { get; private set; }

    public static ReplicaBookkeeping Open(string home, IFileSystem? fileSystem, TimeProvider? time)
    {
        // Small, and checkpointed by log volume only (no timer): parked frames are the bulk of what is written here.
        var options = new StorageOptions { CacheSize = 1 << 20, LogFileSize = 1 << 20, CheckpointLogBytes = 4 << 20, CheckpointInterval = TimeSpan.Zero };
        return new ReplicaBookkeeping(StorageEnvironment.Open(home, options, fileSystem, time));
    }

    /// <summary>Writes the state durably before returning.</summary>
    public void Persist(RepPersistentState state)
    {
        Write(txn => txn.Put(_state, StateKey, RepStateCodec.Encode(state)), Durability.Sync);
        State = state;
    }

    /// <summary>Records durably that the log ending at <paramref name="after"/> was moved to <paramref name="file"/>
    /// (0: forget it).</summary>
    public void PersistStartedFile(uint file, Lsn after)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, file);
        after.WriteTo(bytes.AsSpan(4));
        Write(txn => txn.Put(_state, FileKey, bytes), Durability.Sync);
        StartedFile = (file, after);
    }

    /// <summary>Keeps <paramref name="record"/> unless one is already parked at its LSN (the first one stays).</summary>
    public void Park(LogRecordView record)
    {
        var key = KeyOf(record.Lsn);
        if (_env.TryGet(_parked, key, out _))
        {
            return;
        }

        var value = new byte[1 + record.Frame.Length];
        value[0] = (byte)record.Kind;
        record.Frame.Span.CopyTo(value.AsSpan(1));
        Write(txn => txn.Put(_parked, key, value), Durability.Buffered);
        ParkedCount++;
    }

    public void Unpark(Lsn lsn)
    {
        var removed = false;
        Write(txn => removed = txn.Delete(_parked, KeyOf(lsn)), Durability.Buffered);
        if (removed)
        {
            ParkedCount--;
        }
    }

    public void ClearParked()
    {
        List<byte[]> keys = [];
        using (var read = _env.BeginRead())
        {
            keys.AddRange(read.OpenCursor(_parked).Range(null, null).Select(p => p.Key.ToArray()));
        }

        Write(txn => keys.ForEach(k => txn.Delete(_parked, k)), Durability.Buffered);
        ParkedCount = 0;
    }

    /// <summary>The parked record with the lowest LSN at or after <paramref name="lsn"/> (or, with
    /// <paramref name="last"/>, the highest one of all).</summary>
    public LogRecordView? Parked(Lsn lsn, bool last = false)
    {
        using var read = _env.BeginRead();
        var cursor = read.OpenCursor(_parked);
        if (!(last ? cursor.Last() : cursor.Seek(KeyOf(lsn))))
        {
            return null;
        }

        var value = cursor.Value;
        return new LogRecordView(Lsn.FromUInt64(BinaryPrimitives.ReadUInt64BigEndian(cursor.Key.Span)), (RecordKind)value.Span[0], value[1..].ToArray());
    }

    private void Write(Action<WriteTransaction> change, Durability durability)
    {
        using (var txn = _env.BeginWrite())
        {
            change(txn);
            txn.Commit(durability);
        }

        if (++_writes % WritesPerLogCleanup == 0)
        {
            _env.RemoveArchivableLogFiles();
        }
    }

    private static byte[] KeyOf(Lsn lsn)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, lsn.ToUInt64());
        return key;
    }

    public void Dispose() => _env.Dispose();
}
