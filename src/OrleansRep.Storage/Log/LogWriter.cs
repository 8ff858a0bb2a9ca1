using System.Diagnostics;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Stats;

namespace OrleansRep.Storage.Log;

/// <summary>
/// Appends records to the log and makes them written or durable, with group commit.
/// <para>
/// Appends copy a record into an in-memory segment buffer and return its LSN at once; they never do I/O. A caller
/// that needs its record on disk waits, and the <see cref="LogFlusher"/> writes for all waiters at once.
/// </para>
/// <para>
/// Appenders only ever write beyond a segment's <c>Length</c>; the flusher only reads below the length it saw under
/// the lock, so both work on the same buffer without copying. At most <see cref="_bufferLimit"/> bytes per segment;
/// full segments queue for the flusher, and a small pool recycles their buffers.
/// </para>
/// After a failed write or fsync the writer refuses everything with <see cref="WriteFailedException"/> (Berkeley
/// DB's WRITE_FAILED): the process must reopen the environment, which recovers from what is on disk.
/// </summary>
internal sealed class LogWriter : IDisposable
{
    private const int PoolLimit = 4;

    private readonly IFileSystem _fs;
    private readonly string _dir;
    private readonly int _fileSize;
    private readonly int _bufferLimit;
    private readonly object _gate = new();
    private readonly Stack<byte[]> _pool = new();
    private readonly LogFilePreparer _preparer;
    private readonly LogFlusher _flusher;

    // Append position and buffers (guarded by _gate).
    private uint _fileNo;
    private uint _offset;
    private int _lastLength;
    private LogSegment _active;
    private List<LogSegment> _sealed = [];
    private long _unwrittenBytes;

    // The first I/O failure: from then on the writer refuses everything (guarded by _gate).
    private WriteFailedException? _failure;

    // Where the log restarted, if internal init restarted it inside a file: nothing of ours is before it, so a record
    // shipped to that spot keeps the prev-length it has on the master (Zero: the log started at a file's start).
    private Lsn _restartedAt;

    // File being written (touched only by whoever is flushing).
    private IStorageFile? _file;
    private uint _fileOpenNo;

    public LogWriter(IFileSystem fs, string dir, int fileSize, int bufferLimit, Lsn end, int lastLength, bool prepareAhead = true)
    {
        _fs = fs;
        _dir = dir;
        _fileSize = fileSize;
        _bufferLimit = bufferLimit;
        _fileNo = end.IsZero ? 1 : end.File;
        _offset = end.IsZero ? LogFormat.FileHeaderSize : end.Offset;
        _lastLength = lastLength;
        var durable = new Lsn(_fileNo, _offset);
        _preparer = new LogFilePreparer(fs, dir, fileSize, prepareAhead);
        var needNewFile = end.IsZero || !fs.Exists(PathOf(_fileNo));
        if (!needNewFile)
        {
            _file = fs.Open(PathOf(_fileNo), create: false);
            _fileOpenNo = _fileNo;
            _restartedAt = RestartPoint(_file, _fileNo);

            // What recovery read from this file may be only in the page cache (the process that wrote it died before
            // its fsync), so none of it counts as durable before the first fsync - not even its header, nor the file
            // itself when the process died while creating it. Earlier files were fsynced before the next one was
            // created. Otherwise a checkpoint right after recovery could put its redo point past log records, or in a
            // log file, that a power loss then takes.
            durable = new Lsn(_fileNo, 0);
        }

        _active = new LogSegment(_fileNo, _offset, Rent(0), newFile: needNewFile);
        _flusher = new LogFlusher(this, _gate, written: new Lsn(_fileNo, _offset), durable);
    }

    public LatencyHistogram FsyncLatency { get; } = new();

    public long AppendedBytes { get; private set; }

    public long WriteCount { get; private set; }

    public long FsyncCount { get; private set; }

    /// <summary>Where the next record goes.</summary>
    public Lsn End
    {
        get
        {
            lock (_gate)
            {
                return new Lsn(_fileNo, _offset);
            }
        }
    }

    /// <summary>Where the last record appended in the present file starts, and the end after it, read together; the
    /// start is Zero when the present file has none yet (it was just started, or the log restarted at its start). Lets a
    /// backward read start at the last record instead of scanning the file for it.</summary>
    public (Lsn LastRecord, Lsn End) Tail
    {
        get
        {
            lock (_gate)
            {
                var end = new Lsn(_fileNo, _offset);
                return (_lastLength > 0 ? new Lsn(_fileNo, _offset - (uint)_lastLength) : Lsn.Zero, end);
            }
        }
    }

    public Lsn Durable => _flusher.Durable;

    public bool Failed
    {
        get
        {
            lock (_gate)
            {
                return _failure != null;
            }
        }
    }

    public string PathOf(uint fileNo) => Path.Combine(_dir, LogFormat.FileName(fileNo));

    /// <summary>Where internal init restarted the log in <paramref name="file"/>, or Zero if it did not.</summary>
    private static Lsn RestartPoint(IStorageFile file, uint fileNo)
    {
        Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
        return file.Read(0, header) == header.Length && LogFormat.CheckFileHeader(header, fileNo) == null && LogFormat.FirstRecordOffset(header) > LogFormat.FileHeaderSize
            ? new Lsn(fileNo, LogFormat.FirstRecordOffset(header))
            : Lsn.Zero;
    }

    /// <summary>Frames a new record and queues it; returns its LSN.</summary>
    public Lsn Append(LogRecordType type, byte flags, ulong txnId, Lsn prevLsn, ReadOnlySpan<byte> payload) =>
        Append(type, flags, txnId, prevLsn, payload, capture: null);

    private Lsn Append(LogRecordType type, byte flags, ulong txnId, Lsn prevLsn, ReadOnlySpan<byte> payload, List<LogRecord>? capture)
    {
        var length = LogFormat.RecordHeaderSize + payload.Length;
        if (length > LogFormat.MaxRecordSize)
        {
            throw new LogPositionException($"log record of {length} bytes exceeds the {LogFormat.MaxRecordSize}-byte limit");
        }

        lock (_gate)
        {
            ThrowIfFailed();
            if (_offset + (long)length > _fileSize && _offset > LogFormat.FileHeaderSize)
            {
                StartNextFile();
            }

            var dest = Reserve(length);
            payload.CopyTo(dest[LogFormat.RecordHeaderSize..]);
            LogFormat.SealRecord(dest, _lastLength, type, flags, txnId, prevLsn);
            var lsn = Advance(length);
            capture?.Add(new LogRecord(lsn, dest.ToArray()));
            return lsn;
        }
    }

    /// <summary>
    /// Appends a transaction's records in one step: every payload but the last as an Ops record, chained by previous
    /// LSN, and the last as <paramref name="lastType"/>. Nothing else (a checkpoint record) can land between them.
    /// Returns the LSN of the last record.
    /// </summary>
    public Lsn AppendChain(LogRecordType lastType, ulong txnId, int count, Func<int, ReadOnlyMemory<byte>> payload, List<LogRecord>? capture = null)
    {
        for (var i = 0; i < count; i++)
        {
            if (LogFormat.RecordHeaderSize + (long)payload(i).Length > LogFormat.MaxRecordSize)
            {
                throw new LogPositionException($"log record of {LogFormat.RecordHeaderSize + (long)payload(i).Length} bytes exceeds the {LogFormat.MaxRecordSize}-byte limit");
            }
        }

        lock (_gate)
        {
            var prev = Lsn.Zero;
            for (var i = 0; i < count; i++)
            {
                prev = Append(i == count - 1 ? lastType : LogRecordType.Ops, 0, txnId, prev, payload(i).Span, capture);
            }

            return prev;
        }
    }

    /// <summary>
    /// Appends a record received from another site at the LSN it has there. <paramref name="at"/> must be the end of
    /// this log, or the start of the next file (the sender moved to a new file there).
    /// </summary>
    public void AppendFrame(Lsn at, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < LogFormat.RecordHeaderSize || LogFormat.RecordLength(frame) != frame.Length || !LogFormat.RecordChecksumMatches(frame))
        {
            throw new CorruptionException("(replicated record)", at.Offset, "record frame has a bad length or checksum");
        }

        lock (_gate)
        {
            ThrowIfFailed();
            if (at == new Lsn(_fileNo + 1, LogFormat.FileHeaderSize) && _offset > LogFormat.FileHeaderSize)
            {
                StartNextFile();
            }
            else if (at != new Lsn(_fileNo, _offset))
            {
                throw new LogPositionException($"record at {at} does not follow the end of the log {new Lsn(_fileNo, _offset)}");
            }

            var dest = Reserve(frame.Length);
            frame.CopyTo(dest);
            if (LogFormat.PrevLength(dest) != _lastLength && at != _restartedAt)
            {
                LogFormat.SetPrevLength(dest, _lastLength);
            }

            Advance(frame.Length);
        }
    }

    /// <summary>Waits until the log is written (or, with <paramref name="durable"/>, fsynced) up to <paramref name="end"/>.
    /// The flush runs on the flusher thread; the caller's thread is free meanwhile.</summary>
    public ValueTask WaitAsync(Lsn end, bool durable) => _flusher.WaitAsync(end, durable);

    /// <summary>Blocking wait: flushes on the caller's thread when nobody else is flushing.</summary>
    public void Wait(Lsn end, bool durable) => _flusher.Wait(end, durable);

    /// <summary>Writes and fsyncs everything appended so far.</summary>
    public void FlushAll() => Wait(End, durable: true);

    private long _truncations;

    /// <summary>How many times the log was cut back (<see cref="Truncate"/>): a reader copying the log (a hot backup)
    /// checks it did not change while it copied, since a cut rewrites bytes it may have read.</summary>
    public long Truncations => Interlocked.Read(ref _truncations);

    /// <summary>
    /// Cuts the log back to <paramref name="to"/> (a record boundary): later files are deleted and the rest of the file
    /// is zeroed, durably. <paramref name="lastLength"/> is the length of the record that ends at <paramref name="to"/>.
    /// The caller must hold off appenders.
    /// </summary>
    public void Truncate(Lsn to, int lastLength)
    {
        Interlocked.Increment(ref _truncations);
        FlushAll();
        lock (_gate)
        {
            ThrowIfFailed();
            _flusher.Claim();
        }

        try
        {
            for (var f = End.File; f > to.File; f--)
            {
                if (_fileOpenNo == f)
                {
                    _file?.Dispose();
                    _file = null;
                    _fileOpenNo = 0;
                }

                if (_fs.Exists(PathOf(f)))
                {
                    _fs.Delete(PathOf(f));
                }
            }

            _fs.SyncDirectory(_dir);
            if (_fileOpenNo != to.File)
            {
                _file?.Dispose();
                _file = _fs.Open(PathOf(to.File), create: false);
                _fileOpenNo = to.File;
            }

            var file = _file!;
            _restartedAt = RestartPoint(file, to.File);
            var zeros = new byte[1 << 20];
            for (long pos = to.Offset; pos < file.Length; pos += zeros.Length)
            {
                file.Write(pos, zeros.AsSpan(0, (int)Math.Min(zeros.Length, file.Length - pos)));
            }

            file.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lock (_gate)
            {
                _flusher.Release();
            }

            throw MarkFailed(e, "truncating the log");
        }

        lock (_gate)
        {
            _fileNo = to.File;
            _offset = to.Offset;
            _lastLength = lastLength;
            _flusher.CutBackTo(to);
            _active = new LogSegment(_fileNo, _offset, _active.Buffer, newFile: false);
            _sealed.Clear();
            _unwrittenBytes = 0;
            _flusher.Release();
        }
    }

    /// <summary>Hands everything appended so far to a flush round. The caller (the <see cref="LogFlusher"/>) holds the
    /// gate and the flushing role.</summary>
    public LogBatch TakeBatch()
    {
        var batch = new LogBatch(_sealed, _active, _active.Length, new Lsn(_fileNo, _offset));
        _sealed = [];
        _unwrittenBytes = 0;
        return batch;
    }

    /// <summary>Writes <paramref name="batch"/> to the files and, with <paramref name="sync"/>, fsyncs it. The caller
    /// holds the flushing role (not the gate: appenders go on meanwhile).</summary>
    public void Write(LogBatch batch, bool sync)
    {
        foreach (var seg in batch.Sealed)
        {
            WriteSegment(seg, seg.Length);
            Return(seg.Buffer);
        }

        WriteSegment(batch.Active, batch.ActiveLength);
        if (sync && _file != null)
        {
            var t0 = Stopwatch.GetTimestamp();
            _file.Flush();
            FsyncLatency.RecordTicks(Stopwatch.GetTimestamp() - t0);
            FsyncCount++;
        }
    }

    private void WriteSegment(LogSegment seg, int upto)
    {
        if (seg.NewFile && !seg.FileCreated)
        {
            OpenNewFile(seg.FileNo);
            seg.FileCreated = true;
        }

        if (upto > seg.Written)
        {
            _file!.Write(seg.Offset + seg.Written, seg.Buffer.AsSpan(seg.Written, upto - seg.Written));
            seg.Written = upto;
            WriteCount++;

            // The next file gets made while this one fills (a no-op while it is under way or ready).
            _preparer.PrepareAhead(seg.FileNo + 1);
        }
    }

    /// <summary>Fsyncs the finished file first: recovery relies on every file but the last being complete on disk.</summary>
    private void OpenNewFile(uint fileNo)
    {
        if (_file != null)
        {
            _file.Flush();
            FsyncCount++;
            _file.Dispose();
            _file = null;
        }

        _file = _preparer.Create(fileNo, PathOf(fileNo));
        _fileOpenNo = fileNo;
    }

    private void StartNextFile()
    {
        _fileNo++;
        _offset = LogFormat.FileHeaderSize;
        _lastLength = 0;
        _sealed.Add(_active);
        _active = new LogSegment(_fileNo, _offset, Rent(0), newFile: true);
    }

    private Span<byte> Reserve(int length)
    {
        if (_active.Buffer.Length - _active.Length < length)
        {
            _sealed.Add(_active);
            _active = new LogSegment(_fileNo, _offset, Rent(length), newFile: false);
        }

        var dest = _active.Buffer.AsSpan(_active.Length, length);
        _active.Length += length;
        return dest;
    }

    private Lsn Advance(int length)
    {
        var lsn = new Lsn(_fileNo, _offset);
        _offset += (uint)length;
        _lastLength = length;
        _unwrittenBytes += length;
        AppendedBytes += length;
        return lsn;
    }

    /// <summary>True when more than a buffer's worth waits to be written (callers that do not wait should flush).</summary>
    public bool OverBufferLimit
    {
        get
        {
            lock (_gate)
            {
                return _unwrittenBytes >= _bufferLimit;
            }
        }
    }

    private byte[] Rent(int atLeast)
    {
        if (atLeast > _bufferLimit)
        {
            return new byte[atLeast];
        }

        lock (_pool)
        {
            if (_pool.Count > 0)
            {
                return _pool.Pop();
            }
        }

        return new byte[_bufferLimit];
    }

    private void Return(byte[] buffer)
    {
        if (buffer.Length != _bufferLimit)
        {
            return;
        }

        lock (_pool)
        {
            if (_pool.Count < PoolLimit)
            {
                _pool.Push(buffer);
            }
        }
    }

    /// <summary>Puts the writer in the failed state after an I/O error (in a flush, a truncation, or a checkpoint's
    /// data-file write); returns the error that callers get from now on.</summary>
    public WriteFailedException MarkFailed(Exception e, string what)
    {
        var failure = new WriteFailedException($"log write failed while {what} ({e.Message}); the environment refuses writes until it is reopened", e);
        lock (_gate)
        {
            _failure ??= failure;
        }

        return failure;
    }

    /// <summary>The caller holds the gate.</summary>
    public void ThrowIfFailed()
    {
        if (_failure != null)
        {
            throw new WriteFailedException(_failure.Message, _failure);
        }
    }

    public void Dispose()
    {
        _flusher.Dispose();
        _preparer.Dispose();
        _file?.Dispose();
        _file = null;
    }
}
